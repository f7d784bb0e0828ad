"""Logging in: the page a locked-out login gets (django-axes calls it: AXES_LOCKOUT_CALLABLE).

The login views themselves are Django's (the workspace's `/login/`, the admin's); django-axes
counts their failures and, past the limit, answers with this page instead of checking a password.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def login_locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """429 with what happened and what to do: wait out the cool-off, or ask an admin."""
    return render(
        request,
        "registration/locked_out.html",
        {"minutes": settings.FORMSCORE_LOGIN_COOLOFF_MINUTES},
        status=429,
    )
