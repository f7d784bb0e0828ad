"""Read-side numbers of the workspace: per-form submissions, sales-ready share and conversion."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
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


def forms_with_stats() -> QuerySet[Form]:
    """Every form, annotated in one query, plus its active model version (one more query)."""
    since = timezone.now() - timedelta(days=WINDOW_DAYS)
    recent = Q(leads__created_at__gte=since, leads__is_partial=False)
    converted = Q(leads__status=Lead.Status.WON) | Q(
        conversion_definition=Form.Conversion.QUALIFIED, leads__status=Lead.Status.QUALIFIED
    )
    labelled = Q(
        leads__status__in=[
            Lead.Status.QUALIFIED,
            Lead.Status.WON,
            Lead.Status.LOST,
            Lead.Status.UNQUALIFIED,
        ]
    )
    return (
        Form.objects.annotate(
            recent_count=Count("leads", filter=recent),
            recent_sales_ready=Count("leads", filter=recent & Q(leads__tier=Lead.Tier.SALES_READY)),
            labelled_count=Count("leads", filter=labelled),
            converted_count=Count("leads", filter=converted),
            # A subquery: joining questions too would multiply the lead counts.
            question_count=Coalesce(
                Subquery(
                    Question.objects.filter(form=OuterRef("pk"), archived=False)
                    .values("form")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            ),
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
