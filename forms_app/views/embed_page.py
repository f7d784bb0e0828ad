"""Copy-paste snippets that put a form on any site, and a link to try it."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.html import escape
from django.views.decorators.http import require_safe

from forms_app.capture.origins import origin_normalized
from forms_app.models import Form
from forms_app.permissions import workspace_required


@require_safe
@workspace_required
def embed_page(request: HttpRequest, slug: str) -> HttpResponse:
    form = get_object_or_404(Form, slug=slug)
    site = settings.SITE_URL
    form_url = f"{site}/f/{form.slug}/"
    return render(
        request,
        "forms_app/workspace/embed.html",
        {
            "form": form,
            "tab": "embed",
            "nav": "forms",
            "form_url": form_url,
            "script_snippet": (
                f'<script src="{site}/embed.js" data-form="{form.slug}" async></script>'
            ),
            "iframe_snippet": (
                f'<iframe src="{form_url}" title="{escape(form.name)}" width="100%" height="720" '
                'style="border:0;max-width:640px" loading="lazy"></iframe>'
            ),
            "utm_example": f"{form_url}?utm_source=newsletter&utm_medium=email",
        },
    )


@require_safe
@workspace_required
def embed_test_page(request: HttpRequest, slug: str) -> HttpResponse:
    """A stand-in for a customer's page with both snippets on it, to try the form embedded."""
    form = get_object_or_404(Form, slug=slug)
    response = render(
        request,
        "forms_app/workspace/embed_test.html",
        {"form": form, "form_url": f"/f/{form.slug}/", "site": settings.SITE_URL},
    )
    # Like a customer's page, it loads embed.js from the site's public address.
    site = origin_normalized(settings.SITE_URL)
    scripts = ["'self'", *([site] if site else [])]
    response._csp_config = {**settings.SECURE_CSP, "script-src": scripts}
    return response
