"""A form's leads as CSV rows: for spreadsheets, a CRM import, or an analyst.

One row per complete lead, newest first: when and how it arrived, its contact details (by the
questions' contact roles), its score and what became of it, where it came from, then one column
per question (choices by their labels, as people read them) and the top factors. Streamed from an
iterator, so a large form never sits in memory.
"""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from forms_app.models import Form, Lead, Question, WorkspaceSettings, lead_contact

LEAD_COLUMNS = (
    "submitted_at",
    "lead_id",
    "source",
    "email",
    "name",
    "company",
    "phone",
    "status",
    "tier",
    "score",
    "probability",
    "points_score",
    "model_version",
    "assigned_to",
    "first_contacted_at",
    "won_amount",
    "currency",
    "won_on",
)
CAPTURE_COLUMNS = (
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "referrer",
    "page_url",
    "device",
)
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    if text.startswith(_FORMULA_STARTS) and not isinstance(value, (int, float)):
        return "'" + text
    return text


def _answer(question: Question, value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(question.choice_label(str(v)) for v in value)
    if question.kind in Question.CHOICE_KINDS:
        return question.choice_label(str(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def _factors(factors: list[dict]) -> str:
    return "; ".join(f"{f.get('label', '')} {f.get('impact', 0):+g}" for f in factors or [])


def leads_csv_rows(*, form: Form, since: datetime | None = None) -> Iterator[list[str]]:
    """The header, then one row per complete lead of the form (since ``since``), newest first."""
    questions = list(form.questions.order_by("archived", "position", "id"))
    header = [
        *LEAD_COLUMNS,
        *CAPTURE_COLUMNS,
        *(f"{q.label} [removed]" if q.archived else q.label for q in questions),
        "top_factors",
    ]
    yield [csv_cell(name) for name in header]  # labels are the marketer's text: formulas too
    currency = WorkspaceSettings.current().currency
    leads = (
        Lead.objects.filter(form=form, is_partial=False)
        .select_related("model_version", "assigned_to")
        .order_by("-created_at", "-id")
    )
    if since is not None:
        leads = leads.filter(created_at__gte=since)
    for lead in leads.iterator(chunk_size=1000):
        capture, answers = lead.capture or {}, lead.answers or {}
        lead.form = form  # known already: lead_contact reads the form's roles from it
        contact = lead_contact(lead)
        row = [
            lead.created_at,
            lead.public_id,
            lead.source,
            contact.email,
            contact.name,
            contact.company,
            contact.phone,
            lead.status,
            lead.tier,
            lead.score,
            None if lead.probability is None else round(lead.probability, 4),
            lead.points_score,
            lead.model_version.number if lead.model_version else None,
            lead.assigned_to.get_username() if lead.assigned_to else None,
            lead.first_contacted_at,
            lead.won_amount,
            currency if lead.won_amount is not None else None,
            lead.won_on,
            *(capture.get(name) for name in CAPTURE_COLUMNS),
            *(
                _answer(q, answers[q.key]) if answers.get(q.key) not in (None, "") else None
                for q in questions
            ),
            _factors(lead.factors),
        ]
        yield [csv_cell(value) for value in row]
