from django.core.management.base import BaseCommand

from forms_app.tasks import periodic_tasks_ensure


class Command(BaseCommand):
    help = (
        "Queue the periodic tasks (outbox sweep, retrain check, retention) for db_worker if "
        "none is waiting."
    )

    def handle(self, *args, **options) -> None:
        queued = periodic_tasks_ensure()
        self.stdout.write(f"Queued: {', '.join(queued)}" if queued else "Already scheduled.")
