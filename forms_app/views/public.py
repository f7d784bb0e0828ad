"""What a prospect sees: the form page (one or several steps), the submit, the next step after it,
and the embed script that puts the form on another site."""

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from forms_app.capture.answer_form import AnswerForm, form_class_for
from forms_app.capture.metadata import (
    BROWSING_FIELDS,
    FIELD_PREFIX,
    UTM_PARAMETERS,
    capture_from_request,
)
from forms_app.capture.next_step import next_step_for
from forms_app.capture.origins import allowed_origins, public_page_policy, submit_origin_allowed
from forms_app.capture.spam import (
    HONEYPOT_FIELD,
    Refusal,
    content_refusal,
    rate_limit_refusal,
    spam_refusal_record,
)
from forms_app.capture.steps import form_steps, keys_in_step, keys_up_to_step, step_stat_record
from forms_app.capture.submit import lead_capture, lead_partial_resume
from forms_app.capture.tokens import FormTokenError, form_token_issue, form_token_read
from forms_app.models import Form, Lead, Question, SpamRefusal

_PAGE_CONTEXT = (*UTM_PARAMETERS, "page_url", "referrer")


def _published_form(slug: str) -> Form:
    return get_object_or_404(Form, slug=slug, status=Form.Status.PUBLISHED)


def _framed_by_allowed_sites(response: HttpResponse, form: Form) -> HttpResponse:
    """Let the form's allowed sites frame this page (X-Frame-Options cannot list sites)."""
    response._csp_config = public_page_policy(form)
    response.xframe_options_exempt = True
    return response


def _page_context(request: HttpRequest, *, embedded: bool) -> dict[str, str]:
    """URL parameters and referrer of the page view, carried along to the submit.

    Embedded, the Referer header names the host page (a plain iframe sends nothing else), and
    the host page's own referrer comes from embed.js.
    """
    context = {name: request.GET.get(name, "")[:200] for name in UTM_PARAMETERS}
    referer_header = request.headers.get("Referer", "")
    if embedded:
        context["page_url"] = request.GET.get("page_url", "") or referer_header
        context["referrer"] = request.GET.get("referrer", "")
    else:
        context["page_url"] = request.GET.get("page_url", "") or request.build_absolute_uri()
        context["referrer"] = request.GET.get("referrer", "") or referer_header
    return context


def _initial_for_hidden_fields(request: HttpRequest, form_class) -> dict[str, str]:
    initial = {}
    for question in form_class.questions:
        if question.kind == question.Kind.HIDDEN:
            parameter = question.url_parameter or question.key
            if parameter in request.GET:
                initial[question.key] = request.GET[parameter][:500]
    return initial


def _initial_from_post(request: HttpRequest, questions: list[Question]) -> dict[str, Any]:
    """What the prospect entered so far, to show a step again without judging it."""
    initial: dict[str, Any] = {}
    for question in questions:
        values = request.POST.getlist(question.key)
        if not values:
            continue
        if question.kind == Question.Kind.MULTIPLE_CHOICE:
            initial[question.key] = values
        elif question.kind == Question.Kind.CONSENT:
            initial[question.key] = values[-1] not in ("", "false", "0")
        else:
            initial[question.key] = values[-1]
    return initial


@dataclass
class StepView:
    """The step being shown and what travels along with it."""

    number: int
    index: int
    total: int
    keys: list[str]
    carried: list[tuple[str, str]] = field(default_factory=list)

    @property
    def is_last(self) -> bool:
        return self.index == self.total - 1

    @property
    def percent(self) -> int:
        return round(100 * (self.index + 1) / self.total)


def _step_view(request, questions, steps, index) -> StepView:
    keys = keys_in_step(questions, steps[index])
    carried = [
        (q.key, value)
        for q in questions
        if q.key not in keys and q.kind != Question.Kind.HIDDEN
        for value in (request.POST.getlist(q.key) if request.method == "POST" else [])
    ]
    return StepView(number=steps[index], index=index, total=len(steps), keys=keys, carried=carried)


def _render_form(
    request: HttpRequest,
    form: Form,
    answer_form: AnswerForm,
    *,
    token: str,
    page_context: dict[str, str],
    step: StepView,
    embedded: bool,
    status: int = 200,
    error: str | None = None,
) -> HttpResponse:
    conditions = _conditions(answer_form.questions)
    template = "_form.html" if request.htmx else "form_page.html"
    response = render(
        request,
        f"forms_app/public/{template}",
        {
            "form": form,
            "answer_form": answer_form,
            "step_fields": [(answer_form[key], conditions.get(key, "")) for key in step.keys],
            "step": step,
            "token": token,
            "page_context": page_context,
            "field_prefix": FIELD_PREFIX,
            "honeypot_field": HONEYPOT_FIELD,
            "token_error": error,
            "embedded": embedded,
            "parent_origins": json.dumps(allowed_origins(form)),
            "browsing_fields": (*BROWSING_FIELDS, "browsing_consent"),
            "key_pages_json": json.dumps([str(page) for page in form.key_pages or []]),
        },
        status=status,
    )
    return _framed_by_allowed_sites(response, form)


def _conditions(questions: list[Question]) -> dict[str, str]:
    """Per question key, its show-when condition as JSON for form.js (all show without JS)."""
    result = {}
    for question in questions:
        condition = question.condition
        if isinstance(condition, dict) and condition.get("question"):
            values = [str(v) for v in condition.get("values") or []]
            result[question.key] = json.dumps({"question": condition["question"], "values": values})
    return result


def _refused(request, form, refusal: Refusal, *, embedded: bool) -> HttpResponse:
    spam_refusal_record(form=form, reason=refusal.reason)
    response = render(
        request,
        "forms_app/public/_refused.html" if request.htmx else "forms_app/public/refused.html",
        {"form": form, "refusal": refusal, "embedded": embedded, "parent_origins": "[]"},
        status=refusal.status,
    )
    if refusal.reason == SpamRefusal.Reason.RATE_LIMIT:
        response["Retry-After"] = str(settings.FORMSCORE_RATE_LIMIT_WINDOW)
    return _framed_by_allowed_sites(response, form)


@csrf_exempt  # protected by the signed form token instead: embedded pages cannot rely on cookies
@xframe_options_exempt  # frame-ancestors lists the form's allowed sites instead
@never_cache  # each view carries its own token: a cached page would share one among prospects
@require_http_methods(["GET", "POST"])
def form_page(request: HttpRequest, slug: str) -> HttpResponse:
    form = _published_form(slug)
    form_class = form_class_for(form)
    questions = form_class.questions
    steps = form_steps(questions)
    embedded = request.GET.get("embed") == "1" or request.POST.get(f"{FIELD_PREFIX}embed") == "1"
    if request.method == "GET":
        step_stat_record(form=form, step=steps[0], event="started")
        return _render_form(
            request,
            form,
            form_class(initial=_initial_for_hidden_fields(request, form_class)),
            token=form_token_issue(form_id=form.pk),
            page_context=_page_context(request, embedded=embedded),
            step=_step_view(request, questions, steps, 0),
            embedded=embedded,
        )
    return _form_submit(request, form, form_class, steps, embedded=embedded)


def _posted_step_index(request: HttpRequest, steps: list[int]) -> int | None:
    raw = request.POST.get(f"{FIELD_PREFIX}step", "")
    if raw == "" and len(steps) == 1:
        return 0
    try:
        number = int(raw)
    except ValueError:
        return None
    return steps.index(number) if number in steps else None


def _form_submit(request, form: Form, form_class, steps: list[int], *, embedded: bool):
    questions = form_class.questions
    page_context = {name: request.POST.get(f"{FIELD_PREFIX}{name}", "") for name in _PAGE_CONTEXT}
    refusal = rate_limit_refusal(request, form=form)
    if refusal is not None:
        return _refused(request, form, refusal, embedded=embedded)
    if not submit_origin_allowed(request, form):
        refusal = Refusal(
            SpamRefusal.Reason.ORIGIN,
            403,
            "This form cannot be submitted from the page it was sent from: the site is not "
            "on the form's list of allowed sites.",
        )
        return _refused(request, form, refusal, embedded=embedded)
    index = _posted_step_index(request, steps)
    if index is None:
        return HttpResponse(
            f"{FIELD_PREFIX}step: not a step of this form.", status=400, content_type="text/plain"
        )

    def show(answer_form, step_index, *, token, status=200, error=None):
        return _render_form(
            request,
            form,
            answer_form,
            token=token,
            page_context=page_context,
            step=_step_view(request, questions, steps, step_index),
            embedded=embedded,
            status=status,
            error=error,
        )

    try:
        token = form_token_read(request.POST.get(f"{FIELD_PREFIX}token", ""), form_id=form.pk)
    except FormTokenError as exc:
        spam_refusal_record(form=form, reason=SpamRefusal.Reason.TOKEN)
        answer_form = _answer_form_up_to(form_class, request, steps[index])
        answer_form.is_valid()  # keep what the prospect typed on the page shown again
        fresh_token = form_token_issue(form_id=form.pk)
        return show(answer_form, index, token=fresh_token, status=400, error=str(exc))
    token_value = request.POST[f"{FIELD_PREFIX}token"]

    if request.POST.get(f"{FIELD_PREFIX}back") and index > 0:
        answer_form = form_class(initial=_initial_from_post(request, questions))
        return show(answer_form, index - 1, token=token_value)

    refusal = content_refusal(
        honeypot=request.POST.get(HONEYPOT_FIELD, ""), shown_at=token.issued_at
    )
    if refusal is not None:
        if refusal.reason == SpamRefusal.Reason.TOO_FAST:
            # Shown again with the same token: its clock keeps running, so a person can resend.
            spam_refusal_record(form=form, reason=refusal.reason)
            answer_form = _answer_form_up_to(form_class, request, steps[index])
            answer_form.is_valid()
            return show(answer_form, index, token=token_value, status=400, error=refusal.message)
        return _refused(request, form, refusal, embedded=embedded)

    answer_form = _answer_form_up_to(form_class, request, steps[index])
    if not answer_form.is_valid():
        # A tampered answer of an earlier step sends the prospect back to that step.
        invalid_steps = [q.step for q in questions if q.key in answer_form.errors]
        first_invalid = steps.index(min(invalid_steps)) if invalid_steps else index
        return show(answer_form, min(first_invalid, index), token=token_value, status=422)

    answers = answer_form.answers()
    capture = capture_from_request(request, shown_at=token.issued_at, form=form)
    step_stat_record(form=form, step=steps[index], event="completed", once_per=token.nonce)
    email_keys = [q.key for q in questions if q.kind == Question.Kind.EMAIL]
    if len(steps) > 1:
        lead_partial_resume(form=form, email_keys=email_keys, answers=answers, token=token.nonce)
    if index < len(steps) - 1:
        step_stat_record(form=form, step=steps[index + 1], event="started", once_per=token.nonce)
        if any(answers.get(key) for key in email_keys):
            lead_capture(
                form=form,
                answers=answers,
                capture=capture,
                submission_token=token.nonce,
                partial=True,
            )
        next_form = form_class(initial=_initial_from_post(request, questions))
        return show(next_form, index + 1, token=token_value)

    result = lead_capture(form=form, answers=answers, capture=capture, submission_token=token.nonce)
    if request.htmx:
        return _render_next_step(request, form, result.lead, partial=True, embedded=embedded)
    url = reverse("forms_app:next_step", args=[form.slug, result.lead.public_id])
    return redirect(f"{url}?{urlencode({'embed': 1})}" if embedded else url)


def _answer_form_up_to(form_class, request: HttpRequest, step: int) -> AnswerForm:
    """The submitted answers of this step and the earlier ones (later steps are not judged yet)."""
    answer_form = form_class(request.POST)
    validated = keys_up_to_step(form_class.questions, step)
    for key in list(answer_form.fields):
        if key not in validated:
            del answer_form.fields[key]
    return answer_form


def _render_next_step(request, form: Form, lead: Lead, *, partial: bool, embedded: bool):
    template = "forms_app/public/_next_step.html" if partial else "forms_app/public/next_step.html"
    response = render(
        request,
        template,
        {
            "form": form,
            "lead": lead,
            "next": next_step_for(lead),
            "embedded": embedded,
            "parent_origins": json.dumps(allowed_origins(form)),
        },
    )
    return _framed_by_allowed_sites(response, form)


@xframe_options_exempt  # frame-ancestors lists the form's allowed sites instead
@never_cache
def next_step(request: HttpRequest, slug: str, lead_id: str) -> HttpResponse:
    form = _published_form(slug)
    lead = get_object_or_404(Lead, form=form, public_id=lead_id, is_partial=False)
    embedded = request.GET.get("embed") == "1"
    return _render_next_step(request, form, lead, partial=False, embedded=embedded)


@cache
def _embed_script() -> tuple[bytes, str]:
    body = (settings.BASE_DIR / "static" / "formscore" / "js" / "embed.js").read_bytes()
    return body, f'"{hashlib.sha256(body).hexdigest()[:32]}"'


@require_safe
def embed_script(request: HttpRequest) -> HttpResponse:
    """/embed.js: loaded by any site, so readable cross-origin and cached briefly (no version in
    the URL, so a new release reaches sites within the hour)."""
    body, etag = _embed_script()
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        content = body if request.method == "GET" else b""  # HEAD: the headers only
        response = HttpResponse(content, content_type="text/javascript; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
