import json
import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from forms_app.models import Form
from forms_app.scoring_adapter import form_model_train
from scoring.services import ACTIVATE_CHOICES
from scoring.training import TrainingError


class Command(BaseCommand):
    help = "Train a model for a form on its leads with known outcomes; the gate decides activation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--activate", choices=ACTIVATE_CHOICES, default="auto")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, slug: str, activate: str, seed: int, json: bool, **options) -> None:
        form = Form.objects.filter(slug=slug).first()
        if form is None:
            raise CommandError(f"No form with the slug {slug!r}.")
        progress = None if json else self._progress
        try:
            outcome = form_model_train(form=form, activate=activate, progress=progress, seed=seed)
        except TrainingError as exc:
            raise CommandError(f"Not trained: {exc}") from None
        version = outcome.version
        if json:
            self.stdout.write(_json_dump(outcome))
            return
        self.stdout.write("")
        self.stdout.write(
            f"{'candidate':<28}{'holdout ROC AUC':>16}{'avg precision':>15}{'fit s':>8}"
        )
        for candidate in outcome.candidates:
            self.stdout.write(
                f"{candidate['name']:<28}{_f(candidate.get('roc_auc')):>16}"
                f"{_f(candidate.get('average_precision')):>15}"
                f"{candidate.get('fit_seconds', 0):>8.2f}"
            )
        m = version.metrics
        self.stdout.write(
            f"\nv{version.number} {version.algorithm}: trained on {version.n_leads} leads "
            f"({version.n_converted} converted); holdout {m.get('holdout_n')} newest leads"
        )
        for label, key in (
            ("ROC AUC", "roc_auc"),
            ("points system ROC AUC", "points_roc_auc"),
            ("average precision", "average_precision"),
            ("Brier score", "brier"),
            ("lift of the top 20 %", "lift_top_20"),
            (
                f"precision at {form.sales_ready_threshold}",
                f"precision_at_{form.sales_ready_threshold}",
            ),
            (f"recall at {form.sales_ready_threshold}", f"recall_at_{form.sales_ready_threshold}"),
        ):
            self.stdout.write(f"  {label:<26}{_f(m.get(key)):>8}")
        drivers = m.get("drivers") or []
        if drivers:
            self.stdout.write("what drives the score (holdout ROC AUC lost without it):")
            for driver in drivers[:5]:
                self.stdout.write(f"  {driver['label'][:40]:<40}{driver['importance']:>8.3f}")
        style = self.style.SUCCESS if outcome.activated else self.style.WARNING
        self.stdout.write(style(outcome.reason))

    def _progress(self, stage: str, fraction: float) -> None:
        width = 30
        filled = int(width * fraction)
        # Padded so a shorter stage overwrites a longer one on a terminal; never cut short.
        line = f"\r[{'#' * filled}{'.' * (width - filled)}] {fraction:4.0%} {stage:<48}"
        if sys.stdout.isatty():
            self.stdout.write(line, ending="")
        else:
            self.stdout.write(line.strip())


def _f(value) -> str:
    return "—" if value is None else f"{value:.3f}"


def _json_dump(outcome) -> str:
    version = outcome.version
    return json.dumps(
        {
            "version": version.number,
            "algorithm": version.algorithm,
            "activated": outcome.activated,
            "reason": outcome.reason,
            "n_leads": version.n_leads,
            "n_converted": version.n_converted,
            "metrics": version.metrics,
            "candidates": outcome.candidates,
        },
        indent=2,
        default=str,
    )
