"""The token API: submit and score leads, read them, and report their outcomes, as JSON.

Meant for servers (a site's own back end, a CRM), authenticated with a token sent as
``Authorization: Token <key>`` (``manage.py drf_create_token USERNAME`` makes one). One view per
operation, each with its input and output serializers (`forms_app/api/serializers.py`), over the
services the pages use: a lead submitted here goes through the submission check
(`capture.checks`, without the browser's form token, honeypot and fill time), then is stored,
scored, routed and notified exactly like one sent from the form page. Guide: docs/api.md.
"""

import hashlib
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from forms_app.api.parsers import API_PARSERS
from forms_app.api.serializers import (
    LeadListQuerySerializer,
    LeadSerializer,
    OutcomeSerializer,
    ScoreSerializer,
    SubmissionSerializer,
    SubmittedLeadSerializer,
    body_validated,
    query_validated,
    refusal_response,
)
from forms_app.api.throttles import ScoreThrottle, SubmitThrottle
from forms_app.capture.checks import (
    TOKEN_API,
    CheckedSubmission,
    Refusal,
    Sender,
    Submitted,
    form_closed_refusal,
    submission_check,
)
from forms_app.capture.closing import FormClosed
from forms_app.capture.metadata import key_pages_visited
from forms_app.capture.submit import lead_capture
from forms_app.models import Form, Lead
from forms_app.permissions import can_use_inbox, can_use_workspace
from forms_app.sales.leads import (
    ApiLeadFilters,
    Outcome,
    OutcomeError,
    lead_for_api,
    lead_for_user_by_public_id,
    lead_outcome_record,
    leads_for_api,
)
from forms_app.scoring_adapter import score_answers

# --- permissions ---------------------------------------------------------------------------


class WorkspaceRole(BasePermission):
    """Forms belong to the workspace: admins and marketers."""

    message = "Your role does not give access to forms; ask an admin for the marketer role."

    def has_permission(self, request, view) -> bool:
        return can_use_workspace(request.user)


class InboxRole(BasePermission):
    """Leads: managers see every lead, a rep sees the leads assigned to them."""

    message = "Your account has no role in formscore."

    def has_permission(self, request, view) -> bool:
        return can_use_inbox(request.user)


# --- what the views share ------------------------------------------------------------------


class TokenAPIView(APIView):
    """Every operation of the token API: bodies read by the bounded parsers; answers (leads,
    their answers and scores) never kept by a cache."""

    parser_classes = API_PARSERS

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response


class LeadPages(LimitOffsetPagination):
    default_limit = 50
    max_limit = 500


def _answers_checked(request: Request, form: Form, answers: dict) -> CheckedSubmission | Refusal:
    """The answers through the submission check: judged as the form page judges them, with the
    same messages; no form token, honeypot or fill time (the caller is authenticated)."""
    return submission_check(
        form=form,
        sender=Sender.of(request),
        read=lambda: Submitted(answers=answers),
        checks=TOKEN_API,
    )


def _capture_cleaned(form: Form, capture: dict[str, Any], request: Request) -> dict[str, Any]:
    cleaned = {key: value for key, value in capture.items() if value not in ("", None)}
    if "key_pages" in cleaned:
        cleaned["key_pages"] = key_pages_visited(form, cleaned["key_pages"])
    cleaned["api_user"] = request.user.get_username()
    return cleaned


def _submission_token(form: Form, user, idempotency_key: str | None) -> str | None:
    """The idempotency key as a submission token, scoped to the form and the caller so two
    clients cannot collide on a key."""
    if not idempotency_key:
        return None
    scoped = f"{form.pk}:{user.pk}:{idempotency_key}".encode()
    return "api-" + hashlib.sha256(scoped).hexdigest()[:60]


# --- views: one per operation --------------------------------------------------------------


class _FormLeadsOperation(TokenAPIView):
    """GET: the form's leads, newest first (filters: tier, status, since). POST: submit a lead."""

    permission_classes = [IsAuthenticated, WorkspaceRole]

    # Listing and submitting share one URL; each answers for the URL as a whole.
    @property
    def allowed_methods(self) -> list[str]:
        return ["GET", "POST", "HEAD", "OPTIONS"]

    def get_view_name(self) -> str:
        return "Form Leads"

    def get_view_description(self, html=False) -> str:
        return _FormLeadsOperation.__doc__


class FormLeadList(_FormLeadsOperation):
    """The form's leads the caller may see, newest first, a page at a time."""

    def get(self, request: Request, slug: str) -> Response:
        form = get_object_or_404(Form, slug=slug)
        filters = ApiLeadFilters(**query_validated(LeadListQuerySerializer, request))
        leads = leads_for_api(user=request.user, form=form, filters=filters)
        pages = LeadPages()
        page = pages.paginate_queryset(leads, request, view=self)
        return pages.get_paginated_response(LeadSerializer(page, many=True).data)


class FormLeadSubmit(_FormLeadsOperation):
    """Submit a lead: 201 with the stored, scored lead and its next step (200 when an
    idempotency key finds the lead an earlier call created)."""

    throttle_classes = [SubmitThrottle]

    def post(self, request: Request, slug: str) -> Response:
        form = get_object_or_404(Form, slug=slug)
        if not form.is_published:
            return Response(
                {"detail": f"The form '{form.slug}' is a draft: publish it to accept leads."},
                status=status.HTTP_409_CONFLICT,
            )
        data = body_validated(SubmissionSerializer, request)
        checked = _answers_checked(request, form, data["answers"])
        if isinstance(checked, Refusal):
            return refusal_response(checked)
        try:
            result = lead_capture(
                form=form,
                answers=checked.answers,
                capture=_capture_cleaned(form, data.get("capture", {}), request),
                submission_token=_submission_token(form, request.user, data.get("idempotency_key")),
                source=Lead.Source.API,
            )
        except FormClosed:  # its last response place was taken meanwhile
            return refusal_response(form_closed_refusal(form))
        body = SubmittedLeadSerializer(lead_for_api(lead_id=result.lead.pk)).data
        return Response(body, status=status.HTTP_201_CREATED if result.created else 200)


_form_lead_list = FormLeadList.as_view()
_form_lead_submit = FormLeadSubmit.as_view()


@csrf_exempt  # as every APIView: token-authenticated; DRF enforces CSRF for session users
def form_leads(request: HttpRequest, slug: str) -> HttpResponse:
    """/api/v1/forms/<slug>/leads: POST submits a lead, any other method is the list's."""
    view = _form_lead_submit if request.method == "POST" else _form_lead_list
    return view(request, slug=slug)


class FormScore(TokenAPIView):
    """POST answers to see their score, tier and factors; nothing is stored."""

    permission_classes = [IsAuthenticated, WorkspaceRole]
    throttle_classes = [ScoreThrottle]

    def post(self, request: Request, slug: str) -> Response:
        form = get_object_or_404(Form, slug=slug)
        data = body_validated(SubmissionSerializer, request)
        checked = _answers_checked(request, form, data["answers"])
        if isinstance(checked, Refusal):
            return refusal_response(checked)
        capture = _capture_cleaned(form, data.get("capture", {}), request)
        result = score_answers(form=form, answers=checked.answers, capture=capture)
        return Response(ScoreSerializer(result).data)


class LeadDetail(TokenAPIView):
    """One lead, if the caller may see it."""

    permission_classes = [IsAuthenticated, InboxRole]

    def get(self, request: Request, public_id: UUID) -> Response:
        lead = lead_for_user_by_public_id(user=request.user, public_id=public_id)
        return Response(LeadSerializer(lead).data)


class LeadOutcome(TokenAPIView):
    """POST the outcome sales reached: it lands in the lead's timeline and feeds retraining."""

    permission_classes = [IsAuthenticated, InboxRole]

    def post(self, request: Request, public_id: UUID) -> Response:
        lead = lead_for_user_by_public_id(user=request.user, public_id=public_id)
        data = body_validated(OutcomeSerializer, request)
        outcome = Outcome(
            status=data["status"],
            reason=data.get("reason", ""),
            amount=Decimal(data["amount"]) if data.get("amount") is not None else None,
            won_on=data.get("won_on"),
        )
        try:
            lead_outcome_record(lead=lead, actor=request.user, outcome=outcome)
        except OutcomeError as error:
            raise ValidationError({error.field: [str(error)]}) from None
        return Response(LeadSerializer(lead_for_api(lead_id=lead.pk)).data)
