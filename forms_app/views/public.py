"""What a prospect sees: the form page (one or several steps), the submit, the next step after it,
and the embed script that puts the form on another site."""

import gzip
import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from forms_app.capture.answer_form import AnswerForm, form_class_for
from forms_app.capture.checks import (
    CLOSED,
    FORM_PAGE,
    STEP,
    Refusal,
    Sender,
    StepBack,
    Submitted,
    submission_check,
)
from forms_app.capture.closing import FormClosed, form_is_closed
from forms_app.capture.form_runtime import published_form
from forms_app.capture.metadata import (
    BROWSING_FIELDS,
    FIELD_PREFIX,
    UTM_PARAMETERS,
    capture_from_request,
)
from forms_app.capture.next_step import next_step_for
from forms_app.capture.origins import (
    allowed_origins,
    origin_normalized,
    own_origins,
    public_page_policy,
)
from forms_app.capture.spam import HONEYPOT_FIELD
from forms_app.capture.steps import StepPosition, keys_in_step, step_advance, step_stat_record
from forms_app.capture.tokens import form_token_issue
from forms_app.models import Form, Lead, Question, SpamRefusal

_PAGE_CONTEXT = (*UTM_PARAMETERS, "page_url", "referrer")


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


def _step_view(request, questions, step: StepPosition) -> StepView:
    keys = keys_in_step(questions, step.number)
    carried = [
        (q.key, value)
        for q in questions
        if q.key not in keys and q.kind != Question.Kind.HIDDEN
        for value in (request.POST.getlist(q.key) if request.method == "POST" else [])
    ]
    return StepView(
        number=step.number,
        index=step.index,
        total=len(step.numbers),
        keys=keys,
        carried=carried,
    )


def _render_form(
    request: HttpRequest,
    form: Form,
    answer_form: AnswerForm,
    *,
    token: str,
    page_context: dict[str, str],
    step: StepPosition,
    embedded: bool,
    status: int = 200,
    error: str | None = None,
) -> HttpResponse:
    conditions = _conditions(answer_form.questions)
    step = _step_view(request, answer_form.questions, step)
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
    """A refusal the prospect cannot correct on the form (a bot's, or from a foreign site)."""
    response = render(
        request,
        "forms_app/public/_refused.html" if request.htmx else "forms_app/public/refused.html",
        {"form": form, "refusal": refusal, "embedded": embedded, "parent_origins": "[]"},
        status=refusal.status,
    )
    if refusal.reason == SpamRefusal.Reason.RATE_LIMIT:
        response["Retry-After"] = str(settings.FORMSCORE_RATE_LIMIT_WINDOW)
    return _framed_by_allowed_sites(response, form)


def _closed(request, form: Form, *, embedded: bool, status: int = 200) -> HttpResponse:
    """The form's closing message: a page like any other (200) when it is opened, 410 when a
    submit arrives after it closed."""
    response = render(
        request,
        "forms_app/public/_closed.html" if request.htmx else "forms_app/public/closed.html",
        {"form": form, "embedded": embedded, "parent_origins": json.dumps(allowed_origins(form))},
        status=status,
    )
    return _framed_by_allowed_sites(response, form)


@csrf_exempt  # protected by the signed form token instead: embedded pages cannot rely on cookies
@xframe_options_exempt  # frame-ancestors lists the form's allowed sites instead
@never_cache  # each view carries its own token: a cached page would share one among prospects
@require_http_methods(["GET", "HEAD", "POST"])
def form_page(request: HttpRequest, slug: str) -> HttpResponse:
    form = published_form(slug)
    form_class = form_class_for(form)
    embedded = request.GET.get("embed") == "1" or request.POST.get(f"{FIELD_PREFIX}embed") == "1"
    if request.method == "POST":
        try:
            return _form_submit(request, form, form_class, embedded=embedded)
        except FormClosed:  # its last response place was taken while this prospect typed
            return _closed(request, form, embedded=embedded, status=410)
    if form_is_closed(form):
        return _closed(request, form, embedded=embedded)
    first = StepPosition.first(form_class.questions)
    if request.method == "GET":  # a HEAD (a link checker, a monitor) is no prospect starting
        step_stat_record(form=form, step=first.number, event="started")
    return _render_form(
        request,
        form,
        form_class(initial=_initial_for_hidden_fields(request, form_class)),
        token=form_token_issue(form_id=form.pk),
        page_context=_page_context(request, embedded=embedded),
        step=first,
        embedded=embedded,
    )


def _submitted(request: HttpRequest, questions: list[Question]) -> Submitted:
    """The form page's POST as plain values: the questions' answers apart from its own inputs."""
    post = request.POST
    answers = QueryDict(mutable=True)
    for question in questions:
        if question.key in post:
            answers.setlist(question.key, post.getlist(question.key))
    return Submitted(
        answers=answers,
        token=post.get(f"{FIELD_PREFIX}token", ""),
        honeypot=post.get(HONEYPOT_FIELD, ""),
        context=_posted_page_context(request),
        step=post.get(f"{FIELD_PREFIX}step", ""),
        back=bool(post.get(f"{FIELD_PREFIX}back")),
    )


def _posted_page_context(request: HttpRequest) -> dict[str, str]:
    return {name: request.POST.get(f"{FIELD_PREFIX}{name}", "") for name in _PAGE_CONTEXT}


def _form_submit(request, form: Form, form_class, *, embedded: bool) -> HttpResponse:
    questions = form_class.questions
    checked = submission_check(
        form=form,
        sender=Sender.of(request),
        read=lambda: _submitted(request, questions),
        checks=FORM_PAGE,
    )
    if isinstance(checked, StepBack | Refusal):
        return _not_taken(request, form, form_class, checked, embedded=embedded)
    capture = capture_from_request(request, shown_at=checked.token.issued_at, form=form)
    moved = step_advance(
        form=form,
        questions=questions,
        step=checked.step,
        answers=checked.answers,
        capture=capture,
        nonce=checked.token.nonce,
    )
    if isinstance(moved, StepPosition):
        answer_form = form_class(initial=_initial_from_post(request, questions))
        return _step_shown(request, form, answer_form, moved, embedded=embedded)
    return _after_submit(request, form, moved.lead, embedded=embedded)


def _after_submit(request, form: Form, lead: Lead, *, embedded: bool) -> HttpResponse:
    """Where the prospect goes once the lead is stored: the tier's redirect URL if it has one,
    else the next-step page.

    Embedded, only the host page may leave for the redirect URL (a frame showing another site
    would be refused or trapped): the next step tells embed.js, and offers a link that opens it
    in the whole window for pages without the script or without JavaScript.
    """
    next_step = next_step_for(lead)
    if next_step.redirect_url and not embedded:
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = next_step.redirect_url
            return response
        return redirect(next_step.redirect_url)
    if request.htmx:
        return _render_next_step(request, form, lead, partial=True, embedded=embedded)
    url = reverse("forms_app:next_step", args=[form.slug, lead.public_id])
    return redirect(f"{url}?{urlencode({'embed': 1})}" if embedded else url)


def _not_taken(request, form: Form, form_class, outcome: StepBack | Refusal, *, embedded: bool):
    """A submit the check did not take: the step to show (again), or why it was refused."""
    if isinstance(outcome, StepBack):
        answer_form = form_class(initial=_initial_from_post(request, form_class.questions))
        return _step_shown(request, form, answer_form, outcome.step, embedded=embedded)
    if outcome.step is not None:
        # A bad token is replaced; any other keeps running, so after "too fast" a person can
        # send the same page again.
        fresh = outcome.reason == SpamRefusal.Reason.TOKEN
        return _step_shown(
            request,
            form,
            outcome.answer_form,
            outcome.step,
            embedded=embedded,
            token=form_token_issue(form_id=form.pk) if fresh else None,
            status=outcome.status,
            error=outcome.message or None,
        )
    if outcome.reason == STEP:
        return HttpResponse(outcome.message, status=400, content_type="text/plain")
    if outcome.reason == CLOSED:
        return _closed(request, form, embedded=embedded, status=outcome.status)
    return _refused(request, form, outcome, embedded=embedded)


def _step_shown(
    request: HttpRequest,
    form: Form,
    answer_form: AnswerForm,
    step: StepPosition,
    *,
    embedded: bool,
    token: str | None = None,
    status: int = 200,
    error: str | None = None,
) -> HttpResponse:
    """A step of the form shown after a POST, with the page context and token the POST carried
    (or a fresh token)."""
    return _render_form(
        request,
        form,
        answer_form,
        token=token or request.POST.get(f"{FIELD_PREFIX}token", ""),
        page_context=_posted_page_context(request),
        step=step,
        embedded=embedded,
        status=status,
        error=error,
    )


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
    form = published_form(slug)
    lead = get_object_or_404(Lead, form=form, public_id=lead_id, is_partial=False)
    embedded = request.GET.get("embed") == "1"
    return _render_next_step(request, form, lead, partial=False, embedded=embedded)


@dataclass(frozen=True)
class _EmbedScript:
    body: bytes
    gzipped: bytes
    etag: str


@cache
def _embed_script() -> _EmbedScript:
    """embed.js, and compressed once (it goes to every page view of every host site)."""
    body = (settings.BASE_DIR / "static" / "formscore" / "js" / "embed.js").read_bytes()
    digest = hashlib.sha256(body).hexdigest()[:32]
    return _EmbedScript(body, gzip.compress(body, mtime=0), f'"{digest}"')


def _accepts_gzip(request: HttpRequest) -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


@require_safe
def embed_script(request: HttpRequest) -> HttpResponse:
    """/embed.js: loaded by any site, so readable cross-origin and cached briefly (no version in
    the URL, so a new release reaches sites within the hour)."""
    script = _embed_script()
    gzipped = _accepts_gzip(request)
    # One ETag for both encodings, so a weak one (W/…, as a cache may turn it) matches too.
    if request.headers.get("If-None-Match", "").removeprefix("W/") == script.etag:
        response = HttpResponseNotModified()
    else:
        content = script.gzipped if gzipped else script.body
        if request.method == "HEAD":  # the headers only
            content = b""
        response = HttpResponse(content, content_type="text/javascript; charset=utf-8")
        if gzipped:
            response["Content-Encoding"] = "gzip"
    response["Vary"] = "Accept-Encoding"
    response["ETag"] = script.etag
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@require_safe
def frame_check(request: HttpRequest, slug: str) -> JsonResponse:
    """/f/<slug>/frame-check/: may the page asking (its Origin) show this form in a frame?

    embed.js asks while its frame loads: a browser shows a frame that frame-ancestors forbids as
    a broken page and tells the host page nothing, so the script replaces it with a short
    explanation instead. An unknown or unpublished form is a 404 here, and its frame shows our
    404 page, which any site may frame. What it reveals is what the form page's own
    Content-Security-Policy header already says to anyone.
    """
    form = published_form(slug)
    origin = origin_normalized(request.headers.get("Origin", ""))
    # No Origin: not a cross-origin fetch, so the page is our own (always allowed).
    allowed = origin is None or origin in own_origins(request) | set(allowed_origins(form))
    response = JsonResponse({"allowed": allowed, "origin": origin})
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "no-cache"  # the allowed sites change when the form is saved
    response["Vary"] = "Origin"
    return response
