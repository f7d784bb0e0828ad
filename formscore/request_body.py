"""The request body cap: a body larger than FORMSCORE_MAX_REQUEST_BYTES gets a 413 before any view
reads it, whatever its content type. A view that takes larger bodies says so with `@body_limit`.

Django's DATA_UPLOAD_MAX_MEMORY_SIZE counts only the form fields it parses into memory: the file
parts of a multipart body and a body read as a stream (DRF's JSON) are not counted, so a 50 MB
upload to a public form used to go through. The declared length is checked first; a chunked body
(no length; gunicorn marks where it ends with `wsgi.input_terminated`) is read here up to the limit
and handed on with its length, so the views read it like any other.
"""

import io
from collections.abc import Callable

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse, JsonResponse


def body_limit(limit: int | Callable[[], int]) -> Callable:
    """Let the view take bodies of up to limit bytes (the CSV import), not the site's cap; a
    callable limit is read at each request (from a setting)."""

    def decorate(view: Callable) -> Callable:
        view.request_body_limit = limit
        return view

    return decorate


def body_too_large_message(limit: int) -> str:
    return (
        f"The request body is larger than {limit / 1024 / 1024:.1f} MB: send the answers only "
        "(files cannot be uploaded here)."
    )


class RequestBodyCapMiddleware:
    """Before CsrfViewMiddleware, which reads a POST body to find its token."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        limit = getattr(view_func, "request_body_limit", settings.FORMSCORE_MAX_REQUEST_BYTES)
        if callable(limit):
            limit = limit()
        declared = _declared_length(request)
        if declared is not None:
            return _too_large(request, limit) if declared > limit else None
        if "chunked" in request.headers.get("Transfer-Encoding", "").lower():
            return _chunked_body_read(request, limit)
        return None


def _declared_length(request: HttpRequest) -> int | None:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None
    return length if length >= 0 else None


def _chunked_body_read(request: HttpRequest, limit: int) -> HttpResponse | None:
    """Read a body sent without a length, at most limit bytes, and give it its length."""
    if "wsgi.input" in request.META:
        if not request.META.get("wsgi.input_terminated"):
            return None  # a server that cannot tell where the body ends: Django reads none of it
        source = request.META["wsgi.input"]
    else:
        source = request  # ASGI: the body Django spooled, whole
    body = source.read(limit + 1)
    if len(body) > limit:
        return _too_large(request, limit)
    # The request read its stream with the length it had (none): read this body instead.
    request._stream = LimitedStream(io.BytesIO(body), len(body))
    request._read_started = False
    request.META["CONTENT_LENGTH"] = str(len(body))
    return None


def _too_large(request: HttpRequest, limit: int) -> HttpResponse:
    message = body_too_large_message(limit)
    if request.get_preferred_type(["application/json", "text/html"]) == "application/json":
        return JsonResponse({"detail": message}, status=413)
    return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
