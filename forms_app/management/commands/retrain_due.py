from django.core.management.base import BaseCommand, CommandParser

from forms_app.sales.learning import forms_retrain_due


class Command(BaseCommand):
    help = (
        "Retrain every form with enough new outcomes since its last training (safe to run "
        "from cron: forms below their threshold are left alone)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slugs", nargs="*", help="Only these forms (default: all).")

    def handle(self, *args, slugs: list[str], **options) -> None:
        for check in forms_retrain_due(slugs=slugs or None):
            if check.trained:
                verdict = "promoted the challenger" if check.promoted else "kept the active model"
                self.stdout.write(
                    f"{check.form_slug}: {check.new_outcomes} new outcomes, trained, {verdict}"
                )
            elif check.detail:
                self.stderr.write(f"{check.form_slug}: {check.detail}")
            else:
                self.stdout.write(
                    f"{check.form_slug}: {check.new_outcomes} of {check.threshold} new outcomes; "
                    "not due"
                )
