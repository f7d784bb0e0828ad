"""The page for an address that leads nowhere (a mistyped link, an unpublished form)."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's handler404, styled. A form address with no published form behind it may sit in
    an iframe on a customer's site (the snippet, a plain iframe): there any site may frame the
    page, so the visitor reads why instead of the browser's broken frame. It has nothing to
    click, so framing it gives clickjacking nothing."""
    public = request.path.startswith("/f/")
    response = render(
        request,
        "404.html",
        {"public": public, "embedded": public and request.GET.get("embed") == "1"},
        status=404,
    )
    if public:
        response._csp_config = {**settings.SECURE_CSP, "frame-ancestors": ["*"]}
        response.xframe_options_exempt = True
    return response
