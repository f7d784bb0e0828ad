"""What a prospect sees: the form page, the submit and the next step after it."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from forms_app.builder import form_class_for
from forms_app.capture import FIELD_PREFIX, UTM_PARAMETERS, capture_from_request
from forms_app.models import Form, Lead
from forms_app.services import lead_capture
from forms_app.tokens import FormTokenError, form_token_issue, form_token_read


def _published_form(slug: str) -> Form:
    return get_object_or_404(Form, slug=slug, status=Form.Status.PUBLISHED)


def _page_context(request: HttpRequest) -> dict[str, str]:
    """URL parameters and referrer of the page view, carried along to the submit."""
    context = {name: request.GET.get(name, "")[:200] for name in UTM_PARAMETERS}
    context["page_url"] = request.GET.get("page_url", "") or request.build_absolute_uri()
    context["referrer"] = request.GET.get("referrer", "") or request.headers.get("Referer", "")
    return context


def _initial_for_hidden_fields(form: Form, request: HttpRequest, form_class) -> dict[str, str]:
    initial = {}
    for question in form_class.questions:
        if question.kind == question.Kind.HIDDEN:
            parameter = question.url_parameter or question.key
            if parameter in request.GET:
                initial[question.key] = request.GET[parameter][:500]
    return initial


def _render_form(request, form, answer_form, *, token, page_context, status=200, error=None):
    return render(
        request,
        "forms_app/public/form_page.html",
        {
            "form": form,
            "answer_form": answer_form,
            "token": token,
            "page_context": page_context,
            "field_prefix": FIELD_PREFIX,
            "token_error": error,
        },
        status=status,
    )


@csrf_exempt  # protected by the signed form token instead: embedded pages cannot rely on cookies
@require_http_methods(["GET", "POST"])
def form_page(request: HttpRequest, slug: str) -> HttpResponse:
    form = _published_form(slug)
    form_class = form_class_for(form)
    if request.method == "GET":
        answer_form = form_class(initial=_initial_for_hidden_fields(form, request, form_class))
        return _render_form(
            request,
            form,
            answer_form,
            token=form_token_issue(form_id=form.pk),
            page_context=_page_context(request),
        )

    answer_form = form_class(request.POST)
    page_context = {
        name: request.POST.get(f"{FIELD_PREFIX}{name}", "")
        for name in (*UTM_PARAMETERS, "page_url", "referrer")
    }
    try:
        token = form_token_read(request.POST.get(f"{FIELD_PREFIX}token", ""), form_id=form.pk)
    except FormTokenError as exc:
        answer_form.is_valid()  # keep what the prospect typed on the page shown again
        return _render_form(
            request,
            form,
            answer_form,
            token=form_token_issue(form_id=form.pk),
            page_context=page_context,
            status=400,
            error=str(exc),
        )
    if not answer_form.is_valid():
        return _render_form(
            request,
            form,
            answer_form,
            token=request.POST[f"{FIELD_PREFIX}token"],
            page_context=page_context,
            status=422,
        )
    result = lead_capture(
        form=form,
        answers=answer_form.answers(),
        capture=capture_from_request(request, shown_at=token.issued_at),
        submission_token=token.nonce,
    )
    if request.htmx:
        return _render_next_step(request, form, result.lead, partial=True)
    return redirect("forms_app:next_step", slug=form.slug, lead_id=result.lead.public_id)


def _render_next_step(request, form: Form, lead: Lead, *, partial: bool) -> HttpResponse:
    template = "forms_app/public/_next_step.html" if partial else "forms_app/public/next_step.html"
    return render(request, template, {"form": form, "lead": lead})


def next_step(request: HttpRequest, slug: str, lead_id: str) -> HttpResponse:
    form = _published_form(slug)
    lead = get_object_or_404(Lead, form=form, public_id=lead_id)
    return _render_next_step(request, form, lead, partial=False)
