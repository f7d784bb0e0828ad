from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from forms_app.management.commands.privacy_export import actor_named
from forms_app.permissions import Role
from forms_app.team.invitations import INVITATION_VALID_FOR, invitation_create
from forms_app.team.members import TeamRefusal


class Command(BaseCommand):
    help = (
        "Invite someone by e-mail, as the Team page does: their account with this role and an "
        "e-mail (through the outbox; a worker delivers it) with a link to choose a password."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--role", choices=[role.value for role in Role], required=True)
        parser.add_argument("--name", default="", help="Their name (they can change it).")
        parser.add_argument(
            "--actor", required=True, help="Your username (an admin): the invitation says who."
        )

    def handle(self, *args, email: str, role: str, name: str, actor: str, **options) -> None:
        try:
            invitation = invitation_create(
                email=email, name=name, role=Role(role), actor=actor_named(actor)
            )
        except (TeamRefusal, PermissionDenied) as refusal:
            raise CommandError(str(refusal)) from None
        self.stdout.write(
            f"Invited {invitation.email} as {role}; the link works once, for "
            f"{INVITATION_VALID_FOR.days} days."
        )
