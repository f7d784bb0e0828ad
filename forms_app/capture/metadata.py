"""Capture metadata for a submission: where it came from and how the prospect got there.

What the browser reports (page URL, referrer, UTM, user agent) is not the prospect's to correct:
control characters in it are stripped, never a reason to lose the lead (PostgreSQL refuses NUL).
"""

import re
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.http import HttpRequest
from django.utils import timezone

from forms_app.models.text import control_characters_stripped
from formscore.proxies import client_ip

UTM_PARAMETERS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
# Names of the form's own inputs; question keys always start with a letter, so they cannot clash.
FIELD_PREFIX = "_fs_"
_TABLET = re.compile(r"iPad|Tablet|PlayBook|Silk|(Android(?!.*Mobile))", re.IGNORECASE)
_MOBILE = re.compile(r"Mobi|iPhone|iPod|Android|BlackBerry|Opera Mini", re.IGNORECASE)


def device_from_user_agent(user_agent: str) -> str:
    if _TABLET.search(user_agent):
        return "tablet"
    if _MOBILE.search(user_agent):
        return "mobile"
    return "desktop"


def utm_from_url(url: str) -> dict[str, str]:
    query = parse_qs(urlsplit(url).query)
    found = {name: control_characters_stripped(query.get(name, [""])[0]) for name in UTM_PARAMETERS}
    return {name: value[:200] for name, value in found.items() if value}


BROWSING_FIELDS = ("page_views", "sessions", "days_since_first_visit", "key_pages")


def _bounded_number(raw: str, *, upper: float) -> float | None:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if 0 <= value <= upper else None


def _normalized_path(path: str) -> str:
    return path.split("?", 1)[0].split("#", 1)[0].rstrip("/") or "/"


def browsing_signals_from_post(post, *, form) -> dict[str, Any]:
    """The host-site browsing signals the embed sent, when the form collects them and the
    prospect consented; otherwise nothing. Key pages are kept only if the form lists them."""
    if not form.collect_browsing_signals or post.get(f"{FIELD_PREFIX}browsing_consent") != "1":
        return {}
    signals: dict[str, Any] = {"browsing_consent": True}
    for name, upper in (("page_views", 100_000), ("sessions", 100_000)):
        value = _bounded_number(post.get(f"{FIELD_PREFIX}{name}", ""), upper=upper)
        if value is not None:
            signals[name] = int(value)
    days = _bounded_number(post.get(f"{FIELD_PREFIX}days_since_first_visit", ""), upper=36_500)
    if days is not None:
        signals["days_since_first_visit"] = round(days, 2)
    visited = post.get(f"{FIELD_PREFIX}key_pages", "").split(",")
    signals["key_pages"] = key_pages_visited(form, visited)
    return signals


def key_pages_visited(form, paths: list[str]) -> list[str]:
    """The form's key pages among the visited paths (a path below a key page counts for it)."""
    listed = {_normalized_path(str(page)) for page in form.key_pages or []}
    visited = {_normalized_path(path.strip()) for path in paths}
    return sorted(
        page
        for page in listed
        if any(path == page or path.startswith(page.rstrip("/") + "/") for path in visited)
    )


def capture_from_request(
    request: HttpRequest, *, shown_at: datetime | None, form=None
) -> dict[str, Any]:
    """Capture metadata from the submit request and the page context the form carried along."""
    post = request.POST
    capture = page_capture(
        request,
        page_url=post.get(f"{FIELD_PREFIX}page_url", ""),
        referrer=post.get(f"{FIELD_PREFIX}referrer", ""),
        utm={name: post.get(f"{FIELD_PREFIX}{name}", "") for name in UTM_PARAMETERS},
        shown_at=shown_at,
    )
    if form is not None:
        capture.update(browsing_signals_from_post(post, form=form))
    return capture


def page_capture(
    request: HttpRequest,
    *,
    page_url: str,
    referrer: str,
    utm: dict[str, str],
    shown_at: datetime | None,
) -> dict[str, Any]:
    """What a browser submit tells about its page and its visitor, from any client (the form
    page or a headless one): page, referrer, UTM parameters, device, client address, fill time.
    """
    page_url = control_characters_stripped(page_url)[:2000]
    user_agent = control_characters_stripped(request.headers.get("User-Agent", ""))[:500]
    capture: dict[str, Any] = {
        "page_url": page_url,
        "referrer": control_characters_stripped(referrer)[:2000],
        "user_agent": user_agent,
        "device": device_from_user_agent(user_agent),
        "ip": client_ip(request),
    }
    for name in UTM_PARAMETERS:
        value = control_characters_stripped(utm.get(name) or "").strip()[:200]
        if value:
            capture[name] = value
    for name, value in utm_from_url(page_url).items():
        capture.setdefault(name, value)
    if shown_at is not None:
        capture["seconds_to_complete"] = round((timezone.now() - shown_at).total_seconds(), 1)
    return {key: value for key, value in capture.items() if value not in ("", None)}
