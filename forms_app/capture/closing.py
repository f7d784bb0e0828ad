"""A form closes on a date or after a number of responses; closed, it shows its message and
refuses submits.

Both are read from the form's own row, which every request has (cached per settings revision, see
form_runtime): checking costs no query.
The response limit is kept by a counter on the form, taken in the lead's transaction by one
conditional UPDATE, so a submit never counts stored leads (issue #16) and two prospects racing
for the last place cannot both get it.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F
from django.utils import timezone

from forms_app.models import Form, Lead, SettingsRevision

# Leads that are responses to the form: imported history and demo data are not.
COUNTED_SOURCES = frozenset({Lead.Source.FORM, Lead.Source.API})


class FormClosed(Exception):
    """The form closed while this submit was on its way (its last place was taken)."""


def form_is_closed(form: Form, *, now: datetime | None = None) -> bool:
    return form.is_closed_at(now or timezone.now())


def form_response_take(*, form: Form) -> None:
    """Count one response towards the form's limit, or raise FormClosed when none is left.

    Called inside the lead's transaction, so a refused response rolls its lead back.
    """
    if form.response_limit is None:
        return
    # Race: two submits for the last place; the conditional UPDATE lets exactly one through.
    taken = Form.objects.filter(pk=form.pk, response_count__lt=F("response_limit")).update(
        response_count=F("response_count") + 1
    )
    if not taken:
        raise FormClosed(form.slug)
    # The last place taken: web processes cache the form's row per settings revision, so the
    # form is shown closed everywhere only once the revision changes (once per form that fills).
    if Form.objects.filter(pk=form.pk, response_count__gte=F("response_limit")).exists():
        SettingsRevision.bump()


def form_responses_counted(*, form: Form) -> int:
    """The form's complete responses so far: the counter's start when a limit is set."""
    return Lead.objects.filter(form=form, is_partial=False, source__in=COUNTED_SOURCES).count()


@dataclass(frozen=True)
class ClosingState:
    """What the workspace says about a form's closing: closed or not, and why."""

    closed: bool
    by_date: bool
    by_limit: bool
    responses: int | None  # counted only while a limit is set


def form_closing_state(form: Form) -> ClosingState:
    now = timezone.now()
    by_date = form.closes_at is not None and form.closes_at <= now
    limited = form.response_limit is not None
    by_limit = limited and form.response_count >= form.response_limit
    return ClosingState(
        closed=by_date or by_limit,
        by_date=by_date,
        by_limit=by_limit,
        responses=form.response_count if limited else None,
    )
