"""The headless form for browsers: a site renders a form its own way and submits it as JSON.

No account or token: like the form page, it is protected by the signed form token (fetched with
the form's description), the honeypot, the minimum fill time, the per-address rate limit and the
Origin check against the form's allowed sites, which also decides the CORS headers. The prospect
gets their next step, never their score. Guide: docs/api.md.
"""

from typing import Any

from django.conf import settings
from django.utils.cache import patch_vary_headers
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from forms_app.api.parsers import API_PARSERS
from forms_app.api.serializers import (
    PublicLeadSerializer,
    PublicSubmissionSerializer,
    body_validated,
    refusal_response,
)
from forms_app.capture.checks import (
    HEADLESS_FORM,
    Refusal,
    Sender,
    Submitted,
    form_closed_refusal,
    submission_check,
)
from forms_app.capture.closing import FormClosed, form_is_closed
from forms_app.capture.form_runtime import published_form
from forms_app.capture.metadata import UTM_PARAMETERS, page_capture
from forms_app.capture.origins import allowed_origins, origin_normalized
from forms_app.capture.submit import lead_capture
from forms_app.capture.tokens import form_token_issue
from forms_app.models import Form, Lead, Question
from forms_app.sales.leads import lead_for_api


def _question_json(question: Question) -> dict[str, Any]:
    described = {
        "key": question.key,
        "label": question.label,
        "kind": question.kind,
        "required": question.required,
        "help_text": question.help_text,
        "placeholder": question.placeholder,
        "step": question.step,
        "condition": question.condition,
    }
    if question.kind in Question.CHOICE_KINDS:
        described["choices"] = question.choices
    if question.kind == Question.Kind.NUMBER:
        described |= {"min_value": question.min_value, "max_value": question.max_value}
    if question.kind in (Question.Kind.SHORT_TEXT, Question.Kind.LONG_TEXT):
        described |= {"min_length": question.min_length, "max_length": question.max_length}
    if question.kind == Question.Kind.HIDDEN:
        described["url_parameter"] = question.url_parameter
    return described


class PublicFormView(APIView):
    """CORS for the form's allowed sites (and this site); no session, no CSRF, no throttle
    beyond the form's own rate limit."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = API_PARSERS
    form: Form | None = None  # set once the view has found the published form

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        origin = request.headers.get("Origin")
        form = self.form
        if origin and form is not None and origin_normalized(origin) in allowed_origins(form):
            response["Access-Control-Allow-Origin"] = origin_normalized(origin)
            response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response["Access-Control-Allow-Headers"] = "Content-Type"
            response["Access-Control-Max-Age"] = "600"
        patch_vary_headers(response, ["Origin"])
        response["Cache-Control"] = "no-store"  # every description carries its own token
        return response

    def options(self, request: Request, slug: str) -> Response:
        """The CORS preflight of a submit from an allowed site."""
        self.form = published_form(slug)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PublicForm(PublicFormView):
    """GET: what to render (questions, choices, conditions, steps) and a fresh form token."""

    def get(self, request: Request, slug: str) -> Response:
        form = self.form = published_form(slug)
        questions = form.questions.filter(archived=False).order_by("position", "id")
        return Response(
            {
                "slug": form.slug,
                "name": form.name,
                "description": form.description,
                "submit_label": form.submit_label,
                # Closed: show closed_message instead of the questions; a submit gets a 410.
                "closed": form_is_closed(form),
                "closed_message": form.closed_message,
                "questions": [_question_json(q) for q in questions],
                "token": form_token_issue(form_id=form.pk),
                "token_max_age_seconds": settings.FORMSCORE_FORM_TOKEN_MAX_AGE,
                "min_fill_seconds": settings.FORMSCORE_MIN_FILL_SECONDS,
            }
        )


def _submitted(request: Request) -> Submitted:
    data = body_validated(PublicSubmissionSerializer, request)
    return Submitted(
        answers=data["answers"],
        token=data["token"],
        honeypot=data.get("website", ""),
        context=data.get("page", {}),
    )


class PublicSubmission(PublicFormView):
    """POST the answers with the token: 201 with the lead's id and the prospect's next step."""

    def post(self, request: Request, slug: str) -> Response:
        form = self.form = published_form(slug)
        checked = submission_check(
            form=form,
            sender=Sender.of(request),
            read=lambda: _submitted(request),
            checks=HEADLESS_FORM,
        )
        if isinstance(checked, Refusal):
            return refusal_response(checked)
        page = checked.context
        capture = page_capture(
            request,
            page_url=page.get("page_url", ""),
            referrer=page.get("referrer", ""),
            utm={name: page.get(name, "") for name in UTM_PARAMETERS},
            shown_at=checked.token.issued_at,
        )
        try:
            result = lead_capture(
                form=form,
                answers=checked.answers,
                capture=capture,
                submission_token=checked.token.nonce,
                source=Lead.Source.API,
            )
        except FormClosed:  # its last response place was taken meanwhile
            return refusal_response(form_closed_refusal(form))
        return Response(
            PublicLeadSerializer(lead_for_api(lead_id=result.lead.pk)).data,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )
