"""Whether a form's scoring keeps earning its trust: the model against the points rules month by
month (the dual track), what a new sales-ready threshold would do before it is saved (what-if),
and what sales made of each tier, score band and rep (sales outcomes).

Read-only selectors. Counts and sums are grouped in the database, by month and by whole score
(0-100), so a form's history never comes over as one row per lead; the metrics are computed from
those histograms by scoring/metrics.py. Medians need the values themselves: they are taken over
a bounded set of the most recent rows (``MEDIAN_ROWS``). What counts as a submission is
lead_counts' definition (imported history is left out: no score was given to it on arrival).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Case, Count, F, FloatField, Func, IntegerField, Q, Sum, Value, When
from django.utils import timezone

from forms_app.models import Form, Lead, RepProfile
from forms_app.workspace.lead_counts import in_period, period_start, submissions
from scoring import metrics
from scoring.models import ModelVersion

DUAL_TRACK_MONTHS = 12  # at most the last twelve months since the active version went live
WHAT_IF_WEEKS = 8  # the volume a threshold would send: the last eight weeks' leads
OUTCOME_WEEKS = 26  # its precision and recall: leads of the last half-year with an outcome
# Medians are taken over at most this many of the period's most recent contacted or won leads:
# a median of 5,000 is as steady as one of 20,000, and reading them costs a quarter.
MEDIAN_ROWS = 5_000
CLOSED = (Lead.Status.WON, Lead.Status.LOST, Lead.Status.UNQUALIFIED)


def _number(value: float) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _converted(form: Form) -> Case:
    return Case(
        When(status__in=sorted(form.converted_statuses()), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


# --- The dual track ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TrackMonth:
    month: date
    submissions: int
    resolved: int  # with a known outcome and both scores
    model_auc: float | None
    points_auc: float | None
    model_top_conversion: float | None  # conversion of the leads each system called sales-ready
    points_top_conversion: float | None
    model_to_sales: int  # submissions each system would have sent to sales
    points_to_sales: int

    @property
    def better(self) -> str | None:
        """ "model", "points", "tie", or None when a month cannot tell (one class only)."""
        if self.model_auc is None or self.points_auc is None:
            return None
        if abs(self.model_auc - self.points_auc) < 0.0005:
            return "tie"
        return "model" if self.model_auc > self.points_auc else "points"


@dataclass(frozen=True)
class DualTrack:
    version: ModelVersion | None
    since: datetime | None
    threshold: int
    months: list[TrackMonth] = field(default_factory=list)
    model_auc: float | None = None  # over every resolved lead of the period
    points_auc: float | None = None

    @property
    def compared(self) -> list[TrackMonth]:
        return [m for m in self.months if m.better is not None]

    @property
    def model_wins(self) -> int:
        return sum(m.better == "model" for m in self.compared)

    @property
    def model_holds_up(self) -> bool:
        """The model ranked better in at least half the months that could tell."""
        return bool(self.compared) and self.model_wins * 2 >= len(self.compared)

    @property
    def verdict(self) -> str:
        """The finding in one line, in the words a sales manager would use."""
        compared = self.compared
        if not compared:
            return "Not enough resolved leads yet: a month needs conversions and non-conversions."
        wins, total = self.model_wins, len(compared)
        points_wins = sum(m.better == "points" for m in compared)
        months = f"{total} month{'s' if total != 1 else ''}"
        if wins > points_wins:
            return f"The model ranked leads better than the points rules in {wins} of {months}."
        if points_wins > wins:
            return (
                f"The points rules ranked leads better than the model in {points_wins} of {months}."
            )
        return f"The model and the points rules ranked leads about as well over {months}."


def _month_starts(since: datetime, now: datetime) -> list[datetime]:
    """Local midnight of the first of each month from ``since``'s month to ``now``'s."""
    first = timezone.localtime(since).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    starts = [first]
    while True:
        following = (starts[-1] + timedelta(days=32)).replace(day=1)
        following = timezone.make_aware(following.replace(tzinfo=None))
        if following > now:
            return starts
        starts.append(following)


def _month_index(starts: list[datetime]) -> Case:
    """Which of the months a lead was received in, as plain comparisons: SQLite's TruncMonth
    calls back into Python for every row, which took over a second on 100,000 leads."""
    whens = [
        When(created_at__gte=start, then=Value(index))
        for index, start in reversed(list(enumerate(starts)))
    ]
    return Case(*whens, default=Value(-1), output_field=IntegerField())


def dual_track(*, form: Form, now: datetime | None = None) -> DualTrack:
    """The active version against the points rules on the same resolved leads, per month since
    it went live (the last ``DUAL_TRACK_MONTHS`` at most). In one grouped query."""
    now = now or timezone.now()
    threshold = form.sales_ready_threshold
    version = (
        ModelVersion.objects.filter(form=form, status=ModelVersion.Status.ACTIVE)
        .only("pk", "number", "algorithm", "activated_at", "form_id")
        .first()
    )
    if version is None or version.activated_at is None:
        return DualTrack(version=None, since=None, threshold=threshold)
    earliest = period_start(31 * DUAL_TRACK_MONTHS, now).replace(day=1)
    since = max(version.activated_at, earliest)
    leads = in_period(submissions().filter(form=form), start=since, end=now).order_by()
    starts = _month_starts(since, now)
    by_month = leads.annotate(month=_month_index(starts))
    # One scan of the period: per month, model score, points score and outcome (converted, not,
    # still open), the number of leads; open ones count only towards "sent". Cheaper than a scan
    # per system, though it hands over more (and still bounded: 13 x 101 x 101 x 3) rows.
    outcome = Case(
        When(status__in=sorted(form.converted_statuses()), then=Value(1)),
        When(status__in=sorted(form.labelled_statuses()), then=Value(0)),
        default=Value(2),
        output_field=IntegerField(),
    )
    scored = by_month.filter(score__isnull=False, points_score__isnull=False).annotate(
        outcome=outcome
    )
    sent: dict = {}  # month -> {"n": scored submissions, "model": sent, "points": sent}
    histograms: dict = {}  # month -> system -> (positives, negatives) per score
    for month, model, points, result, n in scored.values_list(
        "month", "score", "points_score", "outcome"
    ).annotate(n=Count("pk")):
        counts = sent.setdefault(month, {"n": 0, "model": 0, "points": 0})
        counts["n"] += n
        counts["model"] += n if model >= threshold else 0
        counts["points"] += n if points >= threshold else 0
        if result == 2:
            continue
        systems = histograms.setdefault(month, {})
        for system, score in (("model", model), ("points", points)):
            positives, negatives = systems.setdefault(system, ({}, {}))
            counted = positives if result else negatives
            counted[score] = counted.get(score, 0) + n
    months = []
    totals: dict = {"model": ({}, {}), "points": ({}, {})}
    for month in sorted(set(sent) | set(histograms)):
        first_day = timezone.localdate(starts[month])
        systems = histograms.get(month, {})
        figures = {}
        for system in ("model", "points"):
            positives, negatives = systems.get(system, ({}, {}))
            for total, part in zip(totals[system], (positives, negatives), strict=True):
                for score, n in part.items():
                    total[score] = total.get(score, 0) + n
            figures[system] = (
                _number(metrics.roc_auc_from_counts(positives, negatives)),
                metrics.at_threshold_from_counts(
                    positives=positives, negatives=negatives, threshold=threshold
                ),
            )
        positives, negatives = systems.get("model", ({}, {}))
        row = sent.get(month, {})
        months.append(
            TrackMonth(
                month=first_day,
                submissions=row.get("n", 0),
                resolved=sum(positives.values()) + sum(negatives.values()),
                model_auc=figures["model"][0],
                points_auc=figures["points"][0],
                model_top_conversion=figures["model"][1]["precision"],
                points_top_conversion=figures["points"][1]["precision"],
                model_to_sales=row.get("model", 0),
                points_to_sales=row.get("points", 0),
            )
        )
    return DualTrack(
        version=version,
        since=since,
        threshold=threshold,
        months=months,
        model_auc=_number(metrics.roc_auc_from_counts(*totals["model"])),
        points_auc=_number(metrics.roc_auc_from_counts(*totals["points"])),
    )


# --- What-if thresholds ------------------------------------------------------------------------


@dataclass(frozen=True)
class RepLoad:
    name: str
    share: float  # of the sales-ready leads assigned in the period
    per_week_now: float
    per_week_then: float


@dataclass(frozen=True)
class WhatIf:
    threshold: int  # the sales-ready threshold tried
    current: int  # the saved one
    weeks: int
    outcome_weeks: int
    scored: int  # scored submissions of the last `weeks` weeks
    per_week_now: float
    per_week_then: float
    resolved: int  # leads of the last `outcome_weeks` weeks with an outcome
    precision_now: float | None
    precision_then: float | None
    recall_now: float | None
    recall_then: float | None
    reps: list[RepLoad]
    unassigned_share: float | None  # sales-ready leads nobody was assigned

    @property
    def changed(self) -> bool:
        return self.threshold != self.current


def threshold_what_if(
    *, form: Form, sales_ready: int | None = None, now: datetime | None = None
) -> WhatIf:
    """What a sales-ready threshold of ``sales_ready`` would have done over the last weeks,
    against the saved threshold: leads per week to sales, precision and recall on the resolved
    outcomes, each rep's weekly load (split as routing split the period's sales-ready leads).
    Nothing is saved. In four grouped queries, whatever the number of leads."""
    now = now or timezone.now()
    current = form.sales_ready_threshold
    threshold = current if sales_ready is None else sales_ready
    leads = submissions().filter(form=form, score__isnull=False).order_by()
    recent = in_period(leads, start=now - timedelta(weeks=WHAT_IF_WEEKS), end=now)
    volume = {row["score"]: row["n"] for row in recent.values("score").annotate(n=Count("pk"))}
    positives: dict[int, int] = {}
    negatives: dict[int, int] = {}
    for row in (
        in_period(leads, start=now - timedelta(weeks=OUTCOME_WEEKS), end=now)
        .filter(status__in=sorted(form.labelled_statuses()))
        .annotate(converted=_converted(form))
        .values("score", "converted")
        .annotate(n=Count("pk"))
    ):
        (positives if row["converted"] else negatives)[row["score"]] = row["n"]
    assigned = {
        row["assigned_to"]: row["n"]
        for row in recent.filter(tier=Lead.Tier.SALES_READY)
        .values("assigned_to")
        .annotate(n=Count("pk"))
    }
    unassigned = assigned.pop(None, 0)
    names = dict(
        RepProfile.objects.filter(user__in=list(assigned)).values_list("user_id", "display_name")
    )

    def per_week(at: int) -> float:
        return sum(n for score, n in volume.items() if score >= at) / WHAT_IF_WEEKS

    now_per_week, then_per_week = per_week(current), per_week(threshold)
    at_now = metrics.at_threshold_from_counts(
        positives=positives, negatives=negatives, threshold=current
    )
    at_then = metrics.at_threshold_from_counts(
        positives=positives, negatives=negatives, threshold=threshold
    )
    whole = sum(assigned.values()) + unassigned
    # Each rep takes the share of sales-ready leads routing gave them in the same weeks.
    assigned_share = sum(assigned.values()) / whole if whole else 0.0
    loads_now = metrics.share_split(assigned, now_per_week * assigned_share)
    loads_then = metrics.share_split(assigned, then_per_week * assigned_share)
    reps = sorted(
        (
            RepLoad(
                name=names.get(user_id) or f"User #{user_id}",
                share=n / whole,
                per_week_now=loads_now.get(user_id, 0.0),
                per_week_then=loads_then.get(user_id, 0.0),
            )
            for user_id, n in assigned.items()
        ),
        key=lambda rep: (-rep.share, rep.name),
    )
    return WhatIf(
        threshold=threshold,
        current=current,
        weeks=WHAT_IF_WEEKS,
        outcome_weeks=OUTCOME_WEEKS,
        scored=sum(volume.values()),
        per_week_now=now_per_week,
        per_week_then=then_per_week,
        resolved=sum(positives.values()) + sum(negatives.values()),
        precision_now=at_now["precision"],
        precision_then=at_then["precision"],
        recall_now=at_now["recall"],
        recall_then=at_then["recall"],
        reps=reps,
        unassigned_share=unassigned / whole if whole else None,
    )


# --- Sales outcomes ----------------------------------------------------------------------------


@dataclass
class OutcomeGroup:
    """What sales made of one tier, score band or rep's leads in the period."""

    key: str
    label: str
    leads: int = 0
    closed: int = 0  # won, lost or unqualified
    won: int = 0
    revenue: Decimal = Decimal(0)
    contacted: int = 0
    with_sla: int = 0  # contacted leads that had an SLA
    within_sla: int = 0
    median_days_to_won: float | None = None
    median_minutes_to_contact: float | None = None
    # Per rep only: the share of their first contacts and recorded outcomes in each tier.
    contact_tiers: dict[str, float] = field(default_factory=dict)
    outcome_tiers: dict[str, float] = field(default_factory=dict)

    @property
    def win_rate(self) -> float | None:
        return self.won / self.closed if self.closed else None

    @property
    def within_sla_share(self) -> float | None:
        return self.within_sla / self.with_sla if self.with_sla else None


@dataclass(frozen=True)
class SalesOutcomes:
    days: int
    start: datetime
    tiers: list[OutcomeGroup]
    bands: list[OutcomeGroup]
    reps: list[OutcomeGroup]
    median_rows: int  # leads the medians were taken over
    medians_capped: bool  # True when the period had more than MEDIAN_ROWS such leads

    @property
    def won(self) -> int:
        return sum(t.won for t in self.tiers)

    @property
    def revenue(self) -> Decimal:
        return sum((t.revenue for t in self.tiers), Decimal(0))


def _band_of(score: int | None) -> str:
    if score is None:
        return "none"
    return str(min(score // 10 * 10, 90))


def _band_label(key: str) -> str:
    if key == "none":
        return "Not scored"
    low = int(key)
    return f"{low}–{100 if low == 90 else low + 9}"


def sales_outcomes(*, form: Form, days: int, now: datetime | None = None) -> SalesOutcomes:
    """Per tier, per score band of ten points and per rep, for the period's submissions: win
    rate, revenue won, median days to won, first contact against the SLA; and for each rep the
    share of their first contacts and outcomes in each tier. Two grouped queries, one bounded
    row query for the medians, one for the reps' names."""
    now = now or timezone.now()
    start = period_start(days, now)
    leads = in_period(submissions().filter(form=form), start=start, end=now).order_by()
    labelled = sorted(form.labelled_statuses())
    tiers = {t.value: OutcomeGroup(t.value, t.label) for t in Lead.Tier}
    bands = {str(low): OutcomeGroup(str(low), _band_label(str(low))) for low in range(0, 100, 10)}
    reps: dict = {}
    contacts_by_rep_tier: dict = {}
    outcomes_by_rep_tier: dict = {}
    rows = (
        leads.values("tier", "score", "assigned_to")
        .annotate(
            n=Count("pk"),
            closed=Count("pk", filter=Q(status__in=CLOSED)),
            won=Count("pk", filter=Q(status=Lead.Status.WON)),
            revenue=Sum("won_amount", filter=Q(status=Lead.Status.WON)),
            contacted=Count("pk", filter=Q(first_contacted_at__isnull=False)),
            with_sla=Count(
                "pk", filter=Q(first_contacted_at__isnull=False, sla_due_at__isnull=False)
            ),
            within_sla=Count("pk", filter=Q(first_contacted_at__lte=F("sla_due_at"))),
            outcomes=Count("pk", filter=Q(status__in=labelled)),
        )
        .order_by()
    )
    for row in rows:
        groups = [
            tiers.get(row["tier"]),
            bands.setdefault(_band_of(row["score"]), OutcomeGroup("none", "Not scored")),
        ]
        if row["assigned_to"] is not None:
            groups.append(
                reps.setdefault(row["assigned_to"], OutcomeGroup(str(row["assigned_to"]), ""))
            )
            per_rep = contacts_by_rep_tier.setdefault(row["assigned_to"], {})
            per_rep[row["tier"]] = per_rep.get(row["tier"], 0) + row["contacted"]
            per_rep = outcomes_by_rep_tier.setdefault(row["assigned_to"], {})
            per_rep[row["tier"]] = per_rep.get(row["tier"], 0) + row["outcomes"]
        for group in groups:
            if group is None:  # an unscored lead has no tier
                continue
            group.leads += row["n"]
            group.closed += row["closed"]
            group.won += row["won"]
            group.revenue += row["revenue"] or Decimal(0)
            group.contacted += row["contacted"]
            group.with_sla += row["with_sla"]
            group.within_sla += row["within_sla"]
    median_rows, capped = _medians(leads, tiers=tiers, bands=bands, reps=reps)
    names = dict(
        RepProfile.objects.filter(user__in=list(reps)).values_list("user_id", "display_name")
    )
    for user_id, group in reps.items():
        group.label = names.get(user_id) or f"User #{user_id}"
        for target, counts in (
            (group.contact_tiers, contacts_by_rep_tier.get(user_id, {})),
            (group.outcome_tiers, outcomes_by_rep_tier.get(user_id, {})),
        ):
            whole = sum(counts.values())
            for tier in Lead.Tier:
                target[tier.value] = counts.get(tier.value, 0) / whole if whole else None
    band_list = list(reversed([bands[str(low)] for low in range(0, 100, 10)]))
    if "none" in bands and bands["none"].leads:
        band_list.append(bands["none"])
    return SalesOutcomes(
        days=days,
        start=start,
        tiers=list(tiers.values()),
        bands=band_list,
        reps=sorted(reps.values(), key=lambda g: (-g.leads, g.label)),
        median_rows=median_rows,
        medians_capped=capped,
    )


class _MinutesBetween(Func):
    """Minutes from the first moment to the second, computed by the database: converting two
    datetimes per row to Python cost more than the rest of the page on 100,000 leads."""

    arity = 2
    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 1440.0)",
            arg_joiner=") - julianday(",
            **extra,
        )

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="(EXTRACT(EPOCH FROM (%(expressions)s)) / 60.0)",
            arg_joiner=" - ",
            **extra,
        )


class _DaysFromSubmission(Func):
    """Whole days from a lead's submission date (in UTC) to a date, computed by the database.
    Arguments: the date, then the submission moment."""

    arity = 2
    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="(julianday(%(expressions)s)))",
            arg_joiner=") - julianday(date(",
            **extra,
        )

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="(%(expressions)s)::date)",
            arg_joiner=" - (",
            **extra,
        )


def _medians(leads, *, tiers: dict, bands: dict, reps: dict) -> tuple[int, bool]:
    """Fill in each group's medians, over the most recent contacted or won leads of the period
    (at most MEDIAN_ROWS): how many rows that was, and whether the cap cut some off."""
    timed = list(
        leads.filter(Q(first_contacted_at__isnull=False) | Q(status=Lead.Status.WON))
        .annotate(
            minutes=_MinutesBetween("first_contacted_at", "created_at"),
            days=Case(
                When(status=Lead.Status.WON, then=_DaysFromSubmission("won_on", "created_at")),
                default=None,
                output_field=FloatField(),
            ),
        )
        .order_by("-created_at")
        .values_list("tier", "score", "assigned_to", "minutes", "days")[: MEDIAN_ROWS + 1]
    )
    capped = len(timed) > MEDIAN_ROWS
    timed = timed[:MEDIAN_ROWS]
    minutes: dict = {}
    days_to_won: dict = {}
    for tier, score, rep, waited_minutes, waited_days in timed:
        keys = [("tier", tier), ("band", _band_of(score)), ("rep", rep)]
        if waited_minutes is not None:
            for key in keys:
                minutes.setdefault(key, []).append(waited_minutes)
        if waited_days is not None:
            for key in keys:
                days_to_won.setdefault(key, []).append(max(0.0, waited_days))
    for kind, groups in (("tier", tiers), ("band", bands), ("rep", reps)):
        for key, group in groups.items():
            group.median_minutes_to_contact = metrics.median_of(minutes.get((kind, key), []))
            group.median_days_to_won = metrics.median_of(days_to_won.get((kind, key), []))
    return len(timed), capped
