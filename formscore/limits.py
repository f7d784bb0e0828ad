"""Counting in the shared cache: the fixed-window counter behind the submit rate limit and the
API throttles, and "the first time" for counts that must not repeat (a multi-step form's steps).

A hit is one atomic increment in the default cache. With Redis (FORMSCORE_CACHE_URL) every web
process counts against the same budget; with the local-memory default each process counts its
own, so N processes allow N times a limit (`make demo` says so). A cache that cannot be reached
lets the request through and logs the error: a lost lead costs more than a few requests over a
limit while Redis is down.
"""

import logging
import time

from django.conf import settings
from django.core.cache import cache


def _unreachable() -> tuple[type[Exception], ...]:
    """What the cache raises when it cannot be reached: only Redis can be, and it is imported
    only then (not importing it saves each web process 4 MB). Read when an error propagates."""
    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        return ()
    from redis import RedisError

    return (RedisError,)


logger = logging.getLogger(__name__)


def window_hit(key: str, *, window: int) -> int:
    """Count one hit on key in the current window of `window` seconds: the hits in this window so
    far, this one included (0 when the cache cannot be reached)."""
    window = max(window, 1)
    counter = f"formscore:hits:{key}:{int(time.time() // window)}"
    try:
        cache.add(counter, 0, timeout=window)
        try:
            return cache.incr(counter)
        except ValueError:  # expired between add and incr
            cache.set(counter, 1, timeout=window)
            return 1
    except _unreachable():
        logger.exception("The cache cannot count %s: letting the request through", key)
        return 0


def first_hit(key: str, *, within: int) -> bool:
    """True the first time key is hit within `within` seconds, in any process (and when the cache
    cannot be reached: then a repeat may be counted twice)."""
    try:
        return cache.add(f"formscore:first:{key}", 1, timeout=within)
    except _unreachable():
        logger.exception("The cache cannot tell whether %s was seen: counting it", key)
        return True


def window_seconds_left(window: int) -> int:
    """Seconds until the current window of `window` seconds ends and its counts start again."""
    window = max(window, 1)
    return max(1, int(window - time.time() % window))
