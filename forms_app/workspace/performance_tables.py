"""The Performance tab's tables as rows of text, for its CSV downloads: the same figures the
page shows, a header row first. Amounts are plain numbers with the currency in the header, so a
spreadsheet can add them up."""

from forms_app.models import Form
from forms_app.workspace.scoring_proof import OutcomeGroup, dual_track, sales_outcomes

PERFORMANCE_TABLES = ("dual-track", "tiers", "bands", "reps")


def _number(value, places: int = 3) -> str:
    return "" if value is None else f"{value:.{places}f}"


def _outcome_row(group: OutcomeGroup) -> list[str]:
    return [
        group.label,
        str(group.leads),
        str(group.closed),
        str(group.won),
        _number(group.win_rate),
        f"{group.revenue:.2f}",
        _number(group.median_days_to_won, 1),
        str(group.contacted),
        _number(group.median_minutes_to_contact, 1),
        _number(group.within_sla_share),
    ]


def performance_table(*, form: Form, table: str, days: int, currency: str) -> list[list[str]]:
    """The rows of one table (one of PERFORMANCE_TABLES), header first."""
    if table == "dual-track":
        track = dual_track(form=form)
        header = [
            "month",
            "submissions",
            "resolved",
            "model_roc_auc",
            "points_roc_auc",
            "model_top_band_conversion",
            "points_top_band_conversion",
            "model_sent_to_sales",
            "points_sent_to_sales",
        ]
        return [header] + [
            [
                f"{m.month:%Y-%m}",
                str(m.submissions),
                str(m.resolved),
                _number(m.model_auc),
                _number(m.points_auc),
                _number(m.model_top_conversion),
                _number(m.points_top_conversion),
                str(m.model_to_sales),
                str(m.points_to_sales),
            ]
            for m in track.months
        ]
    outcomes = sales_outcomes(form=form, days=days)
    header = [
        {"tiers": "tier", "bands": "score_band", "reps": "rep"}[table],
        "leads",
        "closed",
        "won",
        "win_rate",
        f"revenue_won_{currency.lower()}",
        "median_days_to_won",
        "contacted",
        "median_minutes_to_first_contact",
        "contacted_within_sla",
    ]
    if table == "reps":
        header += [f"first_contacts_{t}" for t in ("sales_ready", "marketing_qualified", "nurture")]
        header += [f"outcomes_{t}" for t in ("sales_ready", "marketing_qualified", "nurture")]
        return [header] + [
            _outcome_row(rep)
            + [
                _number(rep.contact_tiers.get(t))
                for t in ("sales_ready", "marketing_qualified", "nurture")
            ]
            + [
                _number(rep.outcome_tiers.get(t))
                for t in ("sales_ready", "marketing_qualified", "nurture")
            ]
            for rep in outcomes.reps
        ]
    groups = outcomes.tiers if table == "tiers" else outcomes.bands
    return [header] + [_outcome_row(group) for group in groups]
