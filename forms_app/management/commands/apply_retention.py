from django.core.management.base import BaseCommand

from forms_app.privacy import retention_apply_all


class Command(BaseCommand):
    help = (
        "Anonymise the leads older than their form's retention period (safe to run from cron "
        "as often as you like: anonymised leads are left alone)."
    )

    def handle(self, *args, **options) -> None:
        anonymised = retention_apply_all()
        if not anonymised:
            self.stdout.write("No form has a retention period.")
        for slug, count in anonymised.items():
            self.stdout.write(f"{slug}: {count} leads anonymised")
