"""Spam defences of the public submit: a honeypot, a minimum fill time and a rate limit.

Each defence only says whether a submit trips it; the submission check (`capture.checks`) turns
that into a refusal with its status and message and counts it here (SpamRefusal, shown in the
admin). Nothing refused is ever stored as a lead. The rate limit is counted in the cache
(`formscore.limits`), so several web processes must share one (FORMSCORE_CACHE_URL, Redis) for
the limit to hold across them.
"""

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from forms_app.capture.metadata import FIELD_PREFIX
from forms_app.models import Form, SpamRefusal
from formscore.limits import window_hit

HONEYPOT_FIELD = f"{FIELD_PREFIX}website"


def rate_limit_exceeded(*, form: Form, client_address: str) -> bool:
    """Count this submit against the client address's budget for the form; True once over it."""
    count = window_hit(
        f"submits:{form.pk}:{client_address}", window=settings.FORMSCORE_RATE_LIMIT_WINDOW
    )
    return count > settings.FORMSCORE_RATE_LIMIT


def honeypot_filled(value: str) -> bool:
    """A field people cannot see was filled: only a bot fills it."""
    return bool(value.strip())


def filled_too_fast(shown_at: datetime) -> bool:
    """Sent sooner after the form was shown than a person can fill it."""
    elapsed = (timezone.now() - shown_at).total_seconds()
    return elapsed < settings.FORMSCORE_MIN_FILL_SECONDS


def spam_refusal_record(*, form: Form, reason: str) -> None:
    """Count one refused submit for the form and reason today."""
    day = timezone.localdate()
    counter = SpamRefusal.objects.filter(form=form, reason=reason, day=day)
    if counter.update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            SpamRefusal.objects.create(form=form, reason=reason, day=day, count=1)
    except IntegrityError:
        # Race: a concurrent refusal created today's row first; count on it.
        counter.update(count=F("count") + 1)
