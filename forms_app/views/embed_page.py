"""Copy-paste snippets that put a form on any site, and a link to try it."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.html import escape
from django.views.decorators.http import require_safe

from forms_app.capture.origins import origin_normalized
from forms_app.models import Form, Question
from forms_app.permissions import workspace_required

# Rough heights in px of the public form's parts (static/formscore/css/public.css), for a plain
# iframe, which cannot follow its content: better a little empty space at the bottom than a
# submit button cut off behind an inner scrollbar. Measured on the demo form: 1,667 px at 640 px
# wide, 1,696 px on a phone; the estimate gives 1,750.
_FORM_CHROME = 300  # padding, title, description, the submit button
_QUESTION = 100  # label, input, spacing
_HELP_TEXT = 30
_CHOICE = 52
_LONG_TEXT = 160
_CONSENT = 70


def _question_height(question: Question) -> int:
    kind = question.kind
    if kind in (Question.Kind.SINGLE_CHOICE, Question.Kind.MULTIPLE_CHOICE):
        height = 56 + _CHOICE * len(question.choices or [])
    elif kind == Question.Kind.LONG_TEXT:
        height = _LONG_TEXT
    elif kind == Question.Kind.CONSENT:
        height = _CONSENT
    else:
        height = _QUESTION
    return height + (_HELP_TEXT if question.help_text else 0)


def iframe_height(form: Form) -> int:
    """A height for the plain-iframe snippet that shows the form's tallest step whole, in 50 px."""
    steps: dict[int, int] = {}
    for question in form.questions.filter(archived=False).exclude(kind=Question.Kind.HIDDEN):
        steps[question.step] = steps.get(question.step, 0) + _question_height(question)
    tallest = _FORM_CHROME + max(steps.values(), default=0)
    return min(4000, -(-tallest // 50) * 50)


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
                f'<iframe src="{form_url}?embed=1" title="{escape(form.name)}" width="100%" '
                f'height="{iframe_height(form)}" style="border:0;max-width:640px" '
                'loading="lazy"></iframe>'
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
        {
            "form": form,
            "form_url": f"/f/{form.slug}/?embed=1",
            "site": settings.SITE_URL,
            "iframe_height": iframe_height(form),
        },
    )
    # Like a customer's page, it loads embed.js from the site's public address.
    site = origin_normalized(settings.SITE_URL)
    scripts = ["'self'", *([site] if site else [])]
    response._csp_config = {**settings.SECURE_CSP, "script-src": scripts}
    return response
