"""Leads made directly, as the scorer leaves them."""

from django.utils import timezone

from forms_app.models import Lead
from tests.helpers.answers import CONTACT_ANSWERS


def scored_lead(form, *, score: int, tier: str, answers=CONTACT_ANSWERS, capture=None) -> Lead:
    """A lead as the scorer leaves it (score, tier), not yet routed."""
    return Lead.objects.create(
        form=form,
        answers=answers,
        capture=capture or {},
        created_at=timezone.now(),
        score=score,
        tier=tier,
        scored_at=timezone.now(),
    )
