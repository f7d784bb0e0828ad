"""Read-side numbers of the workspace: per-form submissions, sales-ready share and conversion."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from forms_app.models import Form, Lead, Question
from scoring.models import ModelVersion

WINDOW_DAYS = 30


@dataclass(frozen=True)
class FormStats:
    submissions: int
    sales_ready_share: float | None
    conversion_rate: float | None
    labelled: int

    @property
    def sales_ready_pct(self) -> float | None:
        return None if self.sales_ready_share is None else 100 * self.sales_ready_share

    @property
    def conversion_pct(self) -> float | None:
        return None if self.conversion_rate is None else 100 * self.conversion_rate


def forms_with_stats() -> list[Form]:
    """Every form with its lead numbers and active model version, in three queries in all."""
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
            )
        )
        .prefetch_related(
            Prefetch(
                "model_versions",
                queryset=ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).defer(
                    "onnx", "reference", "baseline", "feature_spec", "candidates"
                ),
                to_attr="active_versions",
            )
        )
        .order_by("-status", "name")
    )
    # Grouped on the lead table alone: grouping forms by all their columns is several times slower.
    recent = Q(created_at__gte=timezone.now() - timedelta(days=WINDOW_DAYS), is_partial=False)
    numbers = {
        row["form_id"]: row
        for row in Lead.objects.values("form_id")
        .annotate(
            recent_count=Count("pk", filter=recent),
            recent_sales_ready=Count("pk", filter=recent & Q(tier=Lead.Tier.SALES_READY)),
            **{status: Count("pk", filter=Q(status=status)) for status in Lead.OUTCOME_STATUSES},
        )
        .order_by()
    }
    for form in forms:
        row = numbers.get(form.pk, {})
        form.recent_count = row.get("recent_count", 0)
        form.recent_sales_ready = row.get("recent_sales_ready", 0)
        form.labelled_count = sum(row.get(s, 0) for s in form.labelled_statuses())
        form.converted_count = sum(row.get(s, 0) for s in form.converted_statuses())
    return forms


def stats_of(form: Form) -> FormStats:
    """The numbers of a form annotated by forms_with_stats()."""
    return FormStats(
        submissions=form.recent_count,
        sales_ready_share=(
            form.recent_sales_ready / form.recent_count if form.recent_count else None
        ),
        conversion_rate=(
            form.converted_count / form.labelled_count if form.labelled_count else None
        ),
        labelled=form.labelled_count,
    )
