"""The one submission check: whatever sent a lead (the form page, the headless form, the token
API), its submit is judged here, in one order, and comes out checked or refused (or, on a
multi-step form page, sent back a step).

Each entry point turns its request into plain values (`Sender`, `Submitted`) and says which
checks apply (`SubmissionChecks`); the views then only translate the outcome into HTML or JSON.
The order: closed, rate limit, origin, [the body is read], step, form token, back, honeypot,
fill time, answers. Every refusal a spam defence makes is counted (SpamRefusal) here, once.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from forms_app.capture.answer_form import AnswerForm, form_class_for
from forms_app.capture.closing import form_is_closed
from forms_app.capture.metadata import FIELD_PREFIX
from forms_app.capture.origins import own_origins, submit_origin_allowed
from forms_app.capture.spam import (
    filled_too_fast,
    honeypot_filled,
    rate_limit_exceeded,
    spam_refusal_record,
)
from forms_app.capture.steps import StepPosition, keys_up_to_step, step_posted
from forms_app.capture.tokens import FormToken, FormTokenError, form_token_read
from forms_app.models import Form, SpamRefusal
from formscore.proxies import client_address

# Refusals that are not spam: not counted.
STEP = "step"
ANSWERS = "answers"
CLOSED = "closed"

ORIGIN_REFUSED_PAGE = (
    "This form cannot be submitted from the page it was sent from: the site is not on the "
    "form's list of allowed sites."
)
ORIGIN_REFUSED_SITE = (
    "This form cannot be submitted from this site: it is not on the form's list of allowed sites."
)


@dataclass(frozen=True)
class SubmissionChecks:
    """Which checks an entry point runs. The answers are always judged by the form's questions.

    steps: the form page, posted one step at a time; a refusal the prospect can correct says
    which step to show again, with the answers bound to their form.
    """

    rate_limit: bool = True
    origin: bool = True
    token: bool = True
    honeypot: bool = True
    fill_time: bool = True
    steps: bool = False
    origin_refused: str = ORIGIN_REFUSED_SITE

    def __post_init__(self) -> None:
        if self.fill_time and not self.token:
            raise ValueError("The fill time is read from the form token: check the token too.")


FORM_PAGE = SubmissionChecks(steps=True, origin_refused=ORIGIN_REFUSED_PAGE)
HEADLESS_FORM = SubmissionChecks()
# Authenticated servers: their token is the user's, and DRF throttles them per user.
TOKEN_API = SubmissionChecks(
    rate_limit=False, origin=False, token=False, honeypot=False, fill_time=False
)


@dataclass(frozen=True)
class Sender:
    """Who sent a submit: what the rate limit and the origin check judge."""

    address: str
    origin: str | None = None
    referer: str | None = None
    own_origins: frozenset[str] = frozenset()

    @classmethod
    def of(cls, request: HttpRequest) -> "Sender":
        return cls(
            address=client_address(request),
            origin=request.headers.get("Origin"),
            referer=request.headers.get("Referer"),
            own_origins=frozenset(own_origins(request)),
        )


@dataclass(frozen=True)
class Submitted:
    """What a submit carries, whatever its shape.

    answers: by question key (a QueryDict keeps a multiple choice's several values); a key that
    is no question of the form is refused. context: the page the form was filled on (URL,
    referrer, UTM…), not judged here, handed back for the capture. step and back: the form
    page's step number as posted and its Back button.
    """

    answers: Mapping[str, Any]
    token: str = ""
    honeypot: str = ""
    context: Mapping[str, Any] = field(default_factory=dict)
    step: str = ""
    back: bool = False


@dataclass(frozen=True, eq=False)
class CheckedSubmission:
    """A submit that passed: its cleaned answers, ready for `lead_capture`."""

    answers: dict[str, Any]
    context: Mapping[str, Any]
    token: FormToken | None = None  # when checked: when the form was shown, and its nonce
    step: StepPosition | None = None  # with steps: the step just passed


@dataclass(frozen=True, eq=False)
class StepBack:
    """The prospect went back a step: nothing to judge, the previous step to show."""

    step: StepPosition


@dataclass(frozen=True, eq=False)
class Refusal:
    """Why a submit was not taken.

    reason: a SpamRefusal reason (counted) or STEP / ANSWERS. status: what the form page
    answers. errors: by field, what a JSON answer names ({"token": […]}, {"answers": {key: […]}}).
    With steps: the step to show again and the answers bound to its form.
    """

    reason: str
    status: int
    message: str = ""
    errors: Mapping[str, Any] = field(default_factory=dict)
    step: StepPosition | None = None
    answer_form: AnswerForm | None = None


def submission_check(
    *, form: Form, sender: Sender, read: Callable[[], Submitted], checks: SubmissionChecks
) -> CheckedSubmission | StepBack | Refusal:
    """Judge one submit to the form, in one order, with the checks its entry point runs.

    read: gives what the submit carries; called only once the sender passed the rate limit and
    the origin check, so a flood of malformed bodies is still counted against the rate limit.
    Whatever read raises (a body that is not JSON) is the entry point's to answer.
    """
    if form_is_closed(form):  # the form's own columns: no query, before anything else is read
        return form_closed_refusal(form)
    refusal = _sender_refusal(form, sender, checks)
    if refusal is not None:
        return _counted(form, refusal)
    submitted = read()
    form_class = form_class_for(form)
    step = None
    if checks.steps:
        step = step_posted(form_class.questions, submitted.step)
        if step is None:
            message = f"{FIELD_PREFIX}step: not a step of this form."
            return Refusal(STEP, 400, message, errors={f"{FIELD_PREFIX}step": [message]})
    token = None
    if checks.token:
        try:
            token = form_token_read(submitted.token, form_id=form.pk)
        except FormTokenError as error:
            refusal = Refusal(SpamRefusal.Reason.TOKEN, 400, str(error), {"token": [str(error)]})
            return _counted(form, _to_show_again(refusal, form_class, submitted, step))
    if step is not None and submitted.back and step.index > 0:
        return StepBack(step.previous())
    refusal = _content_refusal(submitted, token, checks)
    if refusal is not None:
        return _counted(form, _to_show_again(refusal, form_class, submitted, step))
    judged = _answers_judged(form_class, submitted.answers, step)
    if isinstance(judged, Refusal):
        return judged
    return CheckedSubmission(judged.answers(), submitted.context, token, step)


def form_closed_refusal(form: Form) -> Refusal:
    """410 Gone: the form no longer takes responses, for good (unless its team reopens it)."""
    return Refusal(CLOSED, 410, form.closed_message)


def _sender_refusal(form: Form, sender: Sender, checks: SubmissionChecks) -> Refusal | None:
    if checks.rate_limit and rate_limit_exceeded(form=form, client_address=sender.address):
        return Refusal(
            SpamRefusal.Reason.RATE_LIMIT,
            429,
            "Too many submissions from your network in a short time. Please wait a few minutes.",
        )
    if checks.origin and not submit_origin_allowed(
        form=form, origin=sender.origin, referer=sender.referer, own=set(sender.own_origins)
    ):
        return Refusal(SpamRefusal.Reason.ORIGIN, 403, checks.origin_refused)
    return None


def _content_refusal(
    submitted: Submitted, token: FormToken | None, checks: SubmissionChecks
) -> Refusal | None:
    if checks.honeypot and honeypot_filled(submitted.honeypot):
        return Refusal(
            SpamRefusal.Reason.HONEYPOT,
            400,
            "This submission looks automated (a field people cannot see was filled), "
            "so it was not sent.",
        )
    if checks.fill_time and token is not None and filled_too_fast(token.issued_at):
        return Refusal(
            SpamRefusal.Reason.TOO_FAST,
            400,
            "That was faster than a person can fill the form. Check your answers and submit again.",
        )
    return None


def _answers_judged(
    form_class: type[AnswerForm], answers: Mapping[str, Any], step: StepPosition | None
) -> AnswerForm | Refusal:
    """The answers judged by the form's own questions: the valid answer form, or a refusal that
    names each problem under its question's key."""
    unknown = sorted(set(answers) - {q.key for q in form_class.questions})
    if unknown:
        errors = {key: ["Not a question of this form."] for key in unknown}
        return Refusal(ANSWERS, 422, errors={"answers": errors})
    answer_form = _answers_bound(form_class, answers, step)
    if answer_form.is_valid():
        return answer_form
    found = answer_form.errors.get_json_data(escape_html=False)
    errors = {key: [error["message"] for error in listed] for key, listed in found.items()}
    shown = step.earliest_invalid(form_class.questions, set(errors)) if step else None
    return Refusal(ANSWERS, 422, errors={"answers": errors}, step=shown, answer_form=answer_form)


def _answers_bound(
    form_class: type[AnswerForm], answers: Mapping[str, Any], step: StepPosition | None
) -> AnswerForm:
    """The answers bound to the form: all questions, or with steps those of the step and the
    earlier ones (later steps are not judged yet)."""
    answer_form = form_class(data=answers)
    if step is not None:
        judged = keys_up_to_step(form_class.questions, step.number)
        for key in list(answer_form.fields):
            if key not in judged:
                del answer_form.fields[key]
    return answer_form


def _to_show_again(
    refusal: Refusal, form_class: type[AnswerForm], submitted: Submitted, step: StepPosition | None
) -> Refusal:
    """With steps, a refusal the prospect can correct shows the same step again with what they
    typed, judged, so their answers are kept and their mistakes named."""
    if step is None:
        return refusal
    answer_form = _answers_bound(form_class, submitted.answers, step)
    answer_form.is_valid()
    return Refusal(
        refusal.reason, refusal.status, refusal.message, refusal.errors, step, answer_form
    )


def _counted(form: Form, refusal: Refusal) -> Refusal:
    spam_refusal_record(form=form, reason=refusal.reason)
    return refusal
