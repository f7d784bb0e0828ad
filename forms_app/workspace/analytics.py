"""A form's analytics over a period: volume, tiers and what became of them, whether the score ranks
leads in practice, where leads come from, how fast sales answers, drop-off and refused spam.

Read-only selectors in a fixed, small number of queries. What counts as a submission, a
conversion and a period is defined once, in `lead_counts` (imported history is left out: it did
not arrive through the form, so it says nothing about the form's traffic or the team's speed).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from statistics import median

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import TruncDate
from django.utils import timezone

from forms_app.models import Form, FormStepStat, Lead, SpamRefusal
from forms_app.workspace.lead_counts import (
    DEFAULT_PERIOD_DAYS,
    in_period,
    period_start,
)
from forms_app.workspace.lead_counts import (
    submissions as all_submissions,
)

PERIODS = (7, 30, 90, 365)
DEFAULT_PERIOD = DEFAULT_PERIOD_DAYS
SOURCES_SHOWN = 8
NO_SOURCE = "(no UTM source)"


@dataclass(frozen=True)
class Day:
    day: date
    submissions: int
    sales_ready: int


@dataclass(frozen=True)
class TierFigures:
    tier: str
    label: str
    submissions: int
    share: float | None  # of the period's submissions
    labelled: int  # with a known outcome
    converted: int
    conversion_rate: float | None
    won_amount: Decimal
    median_minutes_to_contact: float | None
    contacted_within_sla: float | None  # share of contacted leads answered before their SLA


@dataclass(frozen=True)
class ScoreBand:
    low: int  # scores low…low+9 (the last band is 90-100)
    labelled: int
    converted: int

    @property
    def high(self) -> int:
        return 100 if self.low == 90 else self.low + 9

    @property
    def conversion_rate(self) -> float | None:
        return self.converted / self.labelled if self.labelled else None


@dataclass(frozen=True)
class SourceFigures:
    source: str
    submissions: int
    sales_ready: int
    converted: int
    labelled: int

    @property
    def sales_ready_share(self) -> float | None:
        return self.sales_ready / self.submissions if self.submissions else None

    @property
    def conversion_rate(self) -> float | None:
        return self.converted / self.labelled if self.labelled else None


@dataclass(frozen=True)
class FormAnalytics:
    days: int
    start: datetime
    submissions: int
    partial: int
    labelled: int
    converted: int
    won_amount: Decimal
    imported: int  # the form's imported history, all of it: in none of the figures
    daily: list[Day]
    tiers: list[TierFigures]
    score_bands: list[ScoreBand]
    sources: list[SourceFigures]
    steps: list[FormStepStat]
    spam: list[tuple[str, int]] = field(default_factory=list)  # (reason label, count)

    @property
    def conversion_rate(self) -> float | None:
        return self.converted / self.labelled if self.labelled else None

    @property
    def sales_ready_share(self) -> float | None:
        sales_ready = next(t for t in self.tiers if t.tier == Lead.Tier.SALES_READY)
        return sales_ready.share

    @property
    def busiest_day(self) -> int:
        return max((d.submissions for d in self.daily), default=0)

    @property
    def spam_total(self) -> int:
        return sum(count for _, count in self.spam)


def period_days(raw: str | None) -> int:
    """The period asked for in the query string, or the default when it is not one we offer."""
    return int(raw) if raw in {str(days) for days in PERIODS} else DEFAULT_PERIOD


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def form_analytics(
    *, form: Form, days: int = DEFAULT_PERIOD, now: datetime | None = None
) -> FormAnalytics:
    """The form's figures for the last ``days`` days (up to ``now``)."""
    now = now or timezone.now()
    start = period_start(days, now)
    first_day = timezone.localdate(start)
    # The period's submissions as lead_counts defines them, so the forms list and the API agree.
    complete = in_period(all_submissions().filter(form=form), start=start, end=now).order_by()
    # Abandoned partial leads of the period and the imported history: apart from every figure.
    apart = Lead.objects.filter(form=form).aggregate(
        partial=Count(
            "pk",
            filter=Q(is_partial=True, created_at__gte=start, created_at__lte=now)
            & ~Q(source=Lead.Source.IMPORT),
        ),
        imported=Count("pk", filter=Q(source=Lead.Source.IMPORT)),
    )
    outcomes = _Outcomes(
        labelled=Q(status__in=form.labelled_statuses()),
        converted=Q(status__in=form.converted_statuses()),
        converted_statuses=form.converted_statuses(),
    )
    per_tier = _per_tier(complete, outcomes)
    submissions = sum(row["n"] for row in per_tier.values())
    return FormAnalytics(
        days=days,
        start=start,
        submissions=submissions,
        partial=apart["partial"],
        imported=apart["imported"],
        labelled=sum(row["labelled"] for row in per_tier.values()),
        converted=sum(row["converted"] for row in per_tier.values()),
        won_amount=sum((row["won"] or Decimal(0) for row in per_tier.values()), Decimal(0)),
        daily=_daily(complete, first_day, days),
        tiers=_tiers(complete, per_tier, submissions),
        score_bands=_score_bands(complete, outcomes),
        sources=_sources(complete, outcomes),
        steps=list(FormStepStat.objects.filter(form=form).order_by("step")),
        spam=_spam(form, first_day),
    )


@dataclass(frozen=True)
class _Outcomes:
    """What counts as a known outcome and as a conversion for this form."""

    labelled: Q
    converted: Q
    converted_statuses: set[str]


def _daily(complete: QuerySet[Lead], first_day: date, days: int) -> list[Day]:
    """Submissions and sales-ready leads of each day of the period, days without any included."""
    per_day = {
        row["day"]: row
        for row in complete.annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(n=Count("pk"), sales_ready=Count("pk", filter=Q(tier=Lead.Tier.SALES_READY)))
    }
    daily = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        row = per_day.get(day, {})
        daily.append(
            Day(day=day, submissions=row.get("n", 0), sales_ready=row.get("sales_ready", 0))
        )
    return daily


def _per_tier(complete: QuerySet[Lead], outcomes: _Outcomes) -> dict[str, dict]:
    """Per tier: leads, known outcomes, conversions and revenue won."""
    return {
        row["tier"]: row
        for row in complete.values("tier").annotate(
            n=Count("pk"),
            labelled=Count("pk", filter=outcomes.labelled),
            converted=Count("pk", filter=outcomes.converted),
            won=Sum("won_amount", filter=Q(status=Lead.Status.WON)),
        )
    }


def _tiers(
    complete: QuerySet[Lead], per_tier: dict[str, dict], submissions: int
) -> list[TierFigures]:
    """Each tier's figures, with how fast sales answered and whether within the SLA."""
    contact_times: dict[str, list[tuple[datetime, datetime, datetime | None]]] = {}
    for tier, created, contacted, due in complete.filter(
        first_contacted_at__isnull=False
    ).values_list("tier", "created_at", "first_contacted_at", "sla_due_at"):
        contact_times.setdefault(tier, []).append((created, contacted, due))
    tiers = []
    for tier in Lead.Tier:
        row = per_tier.get(tier.value, {})
        contacts = contact_times.get(tier.value, [])
        minutes = [(contacted - created).total_seconds() / 60 for created, contacted, _ in contacts]
        with_sla = [(contacted, due) for _, contacted, due in contacts if due is not None]
        tiers.append(
            TierFigures(
                tier=tier.value,
                label=tier.label,
                submissions=row.get("n", 0),
                share=_rate(row.get("n", 0), submissions),
                labelled=row.get("labelled", 0),
                converted=row.get("converted", 0),
                conversion_rate=_rate(row.get("converted", 0), row.get("labelled", 0)),
                won_amount=row.get("won") or Decimal(0),
                median_minutes_to_contact=median(minutes) if minutes else None,
                contacted_within_sla=_rate(
                    sum(contacted <= due for contacted, due in with_sla), len(with_sla)
                ),
            )
        )
    return tiers


def _score_bands(complete: QuerySet[Lead], outcomes: _Outcomes) -> list[ScoreBand]:
    """Conversion per band of ten score points: whether the score ranks leads in practice."""
    bands: dict[int, list[int]] = {low: [0, 0] for low in range(0, 100, 10)}
    for score, status in complete.filter(outcomes.labelled, score__isnull=False).values_list(
        "score", "status"
    ):
        band = bands[min(score // 10 * 10, 90)]
        band[0] += 1
        band[1] += status in outcomes.converted_statuses
    return [ScoreBand(low, n, converted) for low, (n, converted) in bands.items()]


def _sources(complete: QuerySet[Lead], outcomes: _Outcomes) -> list[SourceFigures]:
    """The busiest UTM sources, with their sales-ready leads and conversions."""
    per_source = list(
        complete.annotate(utm_source=KT("capture__utm_source"))
        .values("utm_source")
        .annotate(
            n=Count("pk"),
            sales_ready=Count("pk", filter=Q(tier=Lead.Tier.SALES_READY)),
            labelled=Count("pk", filter=outcomes.labelled),
            converted=Count("pk", filter=outcomes.converted),
        )
        .order_by("-n", "utm_source")
    )
    return [
        SourceFigures(
            source=row["utm_source"] or NO_SOURCE,
            submissions=row["n"],
            sales_ready=row["sales_ready"],
            converted=row["converted"],
            labelled=row["labelled"],
        )
        for row in per_source[:SOURCES_SHOWN]
    ]


def _spam(form: Form, first_day: date) -> list[tuple[str, int]]:
    """Refused submissions since the period's first day, per reason in words."""
    reasons = dict(SpamRefusal.Reason.choices)
    return [
        (reasons.get(row["reason"], row["reason"]), row["total"])
        for row in SpamRefusal.objects.filter(form=form, day__gte=first_day)
        .values("reason")
        .annotate(total=Sum("count"))
        .order_by("-total", "reason")
    ]
