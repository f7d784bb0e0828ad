from django.core.management.base import BaseCommand

from forms_app.sales.drift import forms_drift_check


class Command(BaseCommand):
    help = (
        "Compare this week's leads of every form a model scores with what the model learned "
        "from; open, raise or close drift episodes and alert the marketers once per episode "
        "(safe to run from cron: the periodic task does the same every hour)."
    )

    def handle(self, *args, **options) -> None:
        for check in forms_drift_check():
            alert = " (marketers alerted)" if check.alerted else ""
            self.stdout.write(f"{check.form_slug}: {check.level.replace('_', ' ')}{alert}")
