"""A form's logo, served from the database at an address named by its hash."""

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from forms_app.models import FormLogo

# The bytes never change at one address: browsers and proxies keep them for a year.
_FOREVER = "public, max-age=31536000, immutable"
# An SVG opened on its own runs nothing and loads nothing (on the form it is an <img> anyway).
_NOTHING_RUNS = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


@require_safe
def form_logo(request: HttpRequest, slug: str, digest: str) -> HttpResponse:
    etag = f'"{digest}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        logo = get_object_or_404(FormLogo, form__slug=slug, sha256=digest)
        content = bytes(logo.content) if request.method == "GET" else b""
        response = HttpResponse(content, content_type=logo.content_type)
        response["Content-Length"] = str(len(logo.content))
    response["ETag"] = etag
    response["Cache-Control"] = _FOREVER
    response["Content-Security-Policy"] = _NOTHING_RUNS
    response["X-Content-Type-Options"] = "nosniff"
    return response
