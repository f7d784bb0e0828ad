"""Spam defences of the public submit: a honeypot, a minimum fill time and a rate limit.

Each refusal answers with a 4xx/429 that says why and is counted (SpamRefusal, shown in the admin);
nothing refused is ever stored as a lead. The rate limit lives in the cache, so several web
processes must share one (CACHE_BACKEND, e.g. Redis) for the limit to hold across them.
"""

import time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from forms_app.capture.metadata import FIELD_PREFIX
from forms_app.models import Form, SpamRefusal

HONEYPOT_FIELD = f"{FIELD_PREFIX}website"


@dataclass(frozen=True)
class Refusal:
    reason: str
    status: int
    message: str


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def rate_limit_refusal(request: HttpRequest, *, form: Form) -> Refusal | None:
    """Count this submit against the client address's budget for the form; None while within."""
    window = max(settings.FORMSCORE_RATE_LIMIT_WINDOW, 1)
    bucket = int(time.time() // window)
    key = f"formscore:submits:{form.pk}:{client_address(request)}:{bucket}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    if count <= settings.FORMSCORE_RATE_LIMIT:
        return None
    return Refusal(
        SpamRefusal.Reason.RATE_LIMIT,
        429,
        "Too many submissions from your network in a short time. Please wait a few minutes.",
    )


def content_refusal(*, honeypot: str, shown_at: datetime) -> Refusal | None:
    """Refuse a filled honeypot or a submit sooner after the form was shown than a person can."""
    if honeypot.strip():
        return Refusal(
            SpamRefusal.Reason.HONEYPOT,
            400,
            "This submission looks automated (a field people cannot see was filled), "
            "so it was not sent.",
        )
    elapsed = (timezone.now() - shown_at).total_seconds()
    if elapsed < settings.FORMSCORE_MIN_FILL_SECONDS:
        return Refusal(
            SpamRefusal.Reason.TOO_FAST,
            400,
            "That was faster than a person can fill the form. Check your answers and submit again.",
        )
    return None


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
