import json
import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from forms_app.models import Form, Question
from forms_app.scoring_adapter import form_model_train
from forms_app.workspace.authoring import question_arrival_answer
from scoring.leakage import name_suspect
from scoring.services import ACTIVATE_CHOICES
from scoring.training import TrainingError


class Command(BaseCommand):
    help = "Train a model for a form on its leads with known outcomes; the gate decides activation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--activate", choices=ACTIVATE_CHOICES, default="auto")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")
        parser.add_argument(
            "--include",
            action="append",
            default=[],
            metavar="COLUMN",
            help="A question (label or key) known when the lead arrived: the leakage guard keeps "
            "it (repeatable).",
        )
        parser.add_argument(
            "--exclude",
            action="append",
            default=[],
            metavar="COLUMN",
            help="A question (label or key) filled in after the lead arrived: left out "
            "(repeatable).",
        )
        parser.add_argument(
            "--no-input",
            action="store_true",
            help="Ask nothing about questions that look filled in after the lead arrived.",
        )

    def handle(self, *args, slug: str, activate: str, seed: int, json: bool, **options) -> None:
        form = Form.objects.filter(slug=slug).first()
        if form is None:
            raise CommandError(f"No form with the slug {slug!r}.")
        self._arrival_answers_record(form, options["include"], options["exclude"])
        if sys.stdin.isatty() and not options["no_input"]:
            # With --json, stdout is for the result alone: the questions go to stderr.
            self._arrival_ask(form, self.stderr if json else self.stdout)
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
        self._leakage_print(m.get("leakage", {}).get("suspects", []))

    def _arrival_answers_record(self, form: Form, include: list[str], exclude: list[str]) -> None:
        """--include and --exclude: the marketer's answers, recorded before training."""
        questions = list(form.questions.filter(archived=False))
        for names, known in ((include, True), (exclude, False)):
            for name in names:
                question = _question_named(questions, name)
                if question is None:
                    listed = ", ".join(f"{q.label!r} ({q.key})" for q in questions)
                    raise CommandError(
                        f"No question {name!r} in {form.slug!r}. Questions: {listed}."
                    )
                question_arrival_answer(question=question, known=known)

    def _arrival_ask(self, form: Form, out) -> None:
        """Ask about each scoring question whose name looks filled in after the lead arrived."""
        unasked = form.questions.filter(archived=False, feeds_score=True, known_at_arrival=None)
        for question in unasked:
            reason = name_suspect(question.label) or name_suspect(question.key)
            if reason is None:
                continue
            out.write(
                f'Was "{question.label}" known when the lead arrived? {reason} [y/N] ', ending=""
            )
            out.flush()
            known = sys.stdin.readline().strip().lower() in {"y", "yes"}
            question_arrival_answer(question=question, known=known)

    def _leakage_print(self, suspects: list[dict]) -> None:
        """What the leakage guard found in training, each left out or kept, and why."""
        if not suspects:
            return
        self.stdout.write(
            self.style.WARNING("Questions that look filled in after the lead arrived:")
        )
        for suspect in suspects:
            verdict = "left out" if suspect.get("excluded", True) else "kept"
            name = suspect.get("column") or suspect.get("label") or suspect.get("key", "")
            self.stdout.write(f'  {verdict} "{name}": {suspect.get("reason", "")}')

    def _progress(self, stage: str, fraction: float) -> None:
        width = 30
        filled = int(width * fraction)
        # Padded so a shorter stage overwrites a longer one on a terminal; never cut short.
        line = f"\r[{'#' * filled}{'.' * (width - filled)}] {fraction:4.0%} {stage:<48}"
        if sys.stdout.isatty():
            self.stdout.write(line, ending="")
        else:
            self.stdout.write(line.strip())


def _question_named(questions: list[Question], name: str) -> Question | None:
    """The question with this key, else with this label (case and spaces aside)."""
    wanted = name.strip()
    by_key = next((q for q in questions if q.key == wanted), None)
    return by_key or next((q for q in questions if q.label.strip().lower() == wanted.lower()), None)


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
