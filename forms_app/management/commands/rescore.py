from django.core.management.base import BaseCommand, CommandError, CommandParser

from forms_app.models import Form
from forms_app.scoring_adapter import leads_rescore


class Command(BaseCommand):
    help = "Score again the leads flagged 'needs rescoring' (or --all leads of a form)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", nargs="?", help="Only this form.")
        parser.add_argument("--all", action="store_true", help="Every lead, not only flagged.")

    def handle(self, *args, slug: str | None, all: bool, **options) -> None:
        form = None
        if slug:
            form = Form.objects.filter(slug=slug).first()
            if form is None:
                raise CommandError(f"No form with the slug {slug!r}.")
        count = leads_rescore(form=form, scope="all" if all else "flagged")
        self.stdout.write(f"Rescored {count} lead{'s' if count != 1 else ''}.")
