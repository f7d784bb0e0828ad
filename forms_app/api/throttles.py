"""The token API's throttles: calls per user and window, each operation with its own rate.

DRF's own throttle reads a list of past calls from the cache and writes it back, so two web
processes racing both pass and N processes allow up to N times the rate. These count with one
atomic increment in the shared cache instead (`formscore.limits`, Redis in the scale-out
profile), in fixed windows as the submit rate limit does; an anonymous caller is counted by the
client address through the trusted proxies. The rates are settings, read per call.
"""

from django.conf import settings
from rest_framework.throttling import UserRateThrottle

from formscore.limits import window_hit, window_seconds_left
from formscore.proxies import client_address


class _SharedWindowThrottle(UserRateThrottle):
    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        return window_hit(self.key, window=self.duration) <= self.num_requests

    def wait(self) -> float:
        return window_seconds_left(self.duration)

    def get_ident(self, request) -> str:
        return client_address(request)


class SubmitThrottle(_SharedWindowThrottle):
    """Lead submissions (`POST /api/v1/forms/<slug>/leads`)."""

    scope = "api_submit"

    def get_rate(self) -> str:
        return settings.FORMSCORE_API_SUBMIT_RATE


class ScoreThrottle(_SharedWindowThrottle):
    """What-if scores (`POST /api/v1/forms/<slug>/score`): nothing is stored, but many of them read
    the model out, so they have a budget of their own."""

    scope = "api_score"

    def get_rate(self) -> str:
        return settings.FORMSCORE_API_SCORE_RATE
