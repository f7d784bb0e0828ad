import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder

from forms_app.privacy import person_export


def actor_named(username: str):
    """The user a command acts as, for the privacy log."""
    try:
        return get_user_model().objects.get_by_natural_key(username)
    except get_user_model().DoesNotExist:
        raise CommandError(f"No user is called {username!r}.") from None


class Command(BaseCommand):
    help = "Print everything stored about the person with this e-mail address, as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument(
            "--actor", required=True, help="Your username: the privacy log records who exported."
        )

    def handle(self, *args, email: str, actor: str, **options) -> None:
        if "@" not in email:
            raise CommandError(f"{email!r} is not an e-mail address.")
        data = person_export(email=email, actor=actor_named(actor))
        self.stdout.write(json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False))
