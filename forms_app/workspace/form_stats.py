"""Read-side numbers of the forms list and the models overview: each form with its numbers for
the last 30 days, as `lead_counts` defines them (the same as Analytics for that period)."""

from dataclasses import dataclass

from django.db.models import Count, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce

from forms_app.models import DriftEpisode, Form, Question
from forms_app.workspace.lead_counts import (
    DEFAULT_PERIOD_DAYS,
    LeadNumbers,
    lead_numbers_by_form,
    period_start,
)
from scoring.models import ModelVersion

WINDOW_DAYS = DEFAULT_PERIOD_DAYS


@dataclass(frozen=True)
class FormStats:
    submissions: int
    sales_ready_share: float | None
    conversion_rate: float | None
    labelled: int  # the period's submissions with a known outcome
    imported: int  # imported history, all of it, never in the figures above
    training_labelled: int  # every lead with a known outcome: what training learns from

    @property
    def sales_ready_pct(self) -> float | None:
        return None if self.sales_ready_share is None else 100 * self.sales_ready_share

    @property
    def conversion_pct(self) -> float | None:
        return None if self.conversion_rate is None else 100 * self.conversion_rate


def forms_with_stats() -> list[Form]:
    """Every form with its lead numbers, active model version and the level of its open drift
    episode (``drift_level``, None when none is open), in three queries in all."""
    open_episode = DriftEpisode.objects.filter(form=OuterRef("pk"), ended_at=None)
    forms = list(
        Form.objects.annotate(
            question_count=Coalesce(
                Subquery(
                    Question.objects.filter(form=OuterRef("pk"), archived=False)
                    .values("form")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            ),
            # In the same query: a list of many forms costs no more for showing their drift.
            drift_level=Subquery(open_episode.values("level")[:1]),
            drift_text=Subquery(open_episode.values("text")[:1]),
        )
        .prefetch_related(
            Prefetch(
                "model_versions",
                queryset=ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).defer(
                    "onnx", "reference", "baseline", "feature_spec", "candidates", "drift_reference"
                ),
                to_attr="active_versions",
            ),
        )
        .order_by("-status", "name")
    )
    numbers = lead_numbers_by_form(forms=forms, start=period_start(WINDOW_DAYS))
    for form in forms:
        form.lead_numbers = numbers[form.pk]
    return forms


def stats_of(form: Form) -> FormStats:
    """The numbers of a form annotated by forms_with_stats()."""
    numbers: LeadNumbers = form.lead_numbers
    return FormStats(
        submissions=numbers.submissions,
        sales_ready_share=numbers.sales_ready_share,
        conversion_rate=numbers.conversion_rate,
        labelled=numbers.labelled,
        imported=numbers.imported,
        training_labelled=numbers.training_labelled,
    )
