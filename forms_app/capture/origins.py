"""Which sites may embed a form: frame-ancestors, and the Origin/Referer check of a submit.

A form lists its allowed sites as origins ("https://www.example.com"). Only well-formed origins
ever reach a header: a value with a space or a semicolon would otherwise inject CSP directives.
The product's own origin (a direct link to /f/<slug>/) is always allowed.
"""

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest

from forms_app.models import Form

_ORIGIN = re.compile(r"^https?://(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)*[a-z0-9-]+(?::\d{1,5})?$")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_normalized(value: str) -> str | None:
    """The origin of a URL or origin string ("https://Example.com/x" → "https://example.com")."""
    try:
        parts = urlsplit(str(value).strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    origin = f"{parts.scheme}://{parts.hostname.lower()}"
    if port and port != _DEFAULT_PORTS[parts.scheme]:
        origin += f":{port}"
    return origin if _ORIGIN.match(origin) else None


def allowed_origins(form: Form) -> list[str]:
    """The form's allowed sites as normalized origins; malformed entries are left out."""
    origins = (origin_normalized(site) for site in form.allowed_sites or [])
    return list(dict.fromkeys(origin for origin in origins if origin))


def own_origins(request: HttpRequest) -> set[str]:
    return {
        origin
        for origin in (
            origin_normalized(request.build_absolute_uri("/")),
            origin_normalized(settings.SITE_URL),
        )
        if origin
    }


def redirect_origins(form: Form) -> list[str]:
    """The origins of the form's redirect-after-submit URLs."""
    urls = (
        form.sales_ready_redirect_url,
        form.marketing_qualified_redirect_url,
        form.nurture_redirect_url,
    )
    return sorted({origin for url in urls if url and (origin := origin_normalized(url))})


def public_page_policy(form: Form) -> dict[str, list[str]]:
    """The Content-Security-Policy of a public form page: framed only by the allowed sites."""
    return {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # The per-form accent colour is an inline style attribute on <body>; htmx adds a <style>.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "base-uri": ["'none'"],
        # A submit may be redirected to a tier's redirect URL, which browsers judge by form-action.
        "form-action": ["'self'", *redirect_origins(form)],
        "frame-ancestors": ["'self'", *allowed_origins(form)],
    }


def submit_origin_allowed(
    *, form: Form, origin: str | None, referer: str | None, own: set[str]
) -> bool:
    """Whether the submitting page is ours (own: this site's origins) or one of the form's
    allowed sites.

    Browsers send Origin with every POST (and "null" from privacy-sensitive contexts, which we
    refuse); without it the Referer decides. A request with neither is not from a browser page:
    it is still bound by the signed form token.
    """
    allowed = own | set(allowed_origins(form))
    if origin is not None:
        return origin_normalized(origin) in allowed
    if referer:
        return origin_normalized(referer) in allowed
    return True
