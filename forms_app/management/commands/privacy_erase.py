from django.core.management.base import BaseCommand, CommandError, CommandParser

from forms_app.management.commands.privacy_export import actor_named
from forms_app.privacy import person_erase


class Command(BaseCommand):
    help = (
        "Erase the person with this e-mail address: their leads, timelines, notifications and "
        "delivery log entries. Cannot be undone."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument(
            "--actor", required=True, help="Your username: the privacy log records who erased."
        )

    def handle(self, *args, email: str, actor: str, **options) -> None:
        if "@" not in email:
            raise CommandError(f"{email!r} is not an e-mail address.")
        report = person_erase(email=email, actor=actor_named(actor))
        self.stdout.write(
            f"Erased {report.leads} leads, {report.events} timeline events and "
            f"{report.notifications} notifications."
        )
