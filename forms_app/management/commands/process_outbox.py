from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from forms_app.models import Notification
from forms_app.sales.outbox import notification_deliver, outbox_sweep


class Command(BaseCommand):
    help = (
        "Sweep the notification outbox: take back rows whose worker died mid-delivery and "
        "re-enqueue rows whose task was lost. With --deliver, also send due rows in this process "
        "(for setups without a db_worker)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--deliver", action="store_true", help="Deliver due rows here too.")

    def handle(self, *args, deliver: bool, **options) -> None:
        swept = outbox_sweep()
        self.stdout.write(f"{swept} notification(s) re-enqueued")
        if deliver:
            due = Notification.objects.filter(
                status=Notification.Status.PENDING, next_attempt_at__lte=timezone.now()
            ).values_list("pk", flat=True)
            results = [notification_deliver(notification_id=pk) for pk in due]
            self.stdout.write(f"{results.count('delivered')} of {len(results)} delivered")
