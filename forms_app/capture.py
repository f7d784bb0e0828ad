"""Capture metadata for a submission: where it came from and how the prospect got there."""

import re
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.http import HttpRequest
from django.utils import timezone

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
    return {name: query[name][0][:200] for name in UTM_PARAMETERS if query.get(name)}


def capture_from_request(request: HttpRequest, *, shown_at: datetime | None) -> dict[str, Any]:
    """Capture metadata from the submit request and the page context the form carried along."""
    post = request.POST
    page_url = post.get(f"{FIELD_PREFIX}page_url", "")[:2000]
    referrer = post.get(f"{FIELD_PREFIX}referrer", "")[:2000]
    user_agent = request.headers.get("User-Agent", "")[:500]
    capture: dict[str, Any] = {
        "page_url": page_url,
        "referrer": referrer,
        "user_agent": user_agent,
        "device": device_from_user_agent(user_agent),
        "ip": request.META.get("REMOTE_ADDR", ""),
    }
    for name in UTM_PARAMETERS:
        value = post.get(f"{FIELD_PREFIX}{name}", "").strip()[:200]
        if value:
            capture[name] = value
    for name, value in utm_from_url(page_url).items():
        capture.setdefault(name, value)
    if shown_at is not None:
        capture["seconds_to_complete"] = round((timezone.now() - shown_at).total_seconds(), 1)
    return {key: value for key, value in capture.items() if value not in ("", None)}
