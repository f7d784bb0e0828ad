"""The headless API: submit and score leads, read them, and report their outcomes, as JSON.

Meant for servers (a site's own back end, a CRM), authenticated with a token sent as
``Authorization: Token <key>`` (``manage.py drf_create_token USERNAME`` makes one). Thin views over
the services the pages use: a lead submitted here is validated by the form's own questions, then
stored, scored, routed and notified exactly like one sent from the form page. Guide:
docs/api.md.
"""

import hashlib
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from forms_app.capture.checks import (
    TOKEN_API,
    CheckedSubmission,
    Refusal,
    Sender,
    Submitted,
    submission_check,
)
from forms_app.capture.metadata import UTM_PARAMETERS, key_pages_visited
from forms_app.capture.next_step import next_step_for
from forms_app.capture.submit import lead_capture
from forms_app.models import Form, Lead, SpamRefusal
from forms_app.permissions import can_use_inbox, can_use_workspace
from forms_app.sales.leads import (
    Outcome,
    OutcomeError,
    lead_for_user,
    lead_outcome_record,
    leads_visible_to,
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


# --- input ---------------------------------------------------------------------------------


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, so a typo is an error rather than silently lost data."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class PageSerializer(StrictSerializer):
    """The page a form was filled on; UTM parameters in its URL are read too."""

    page_url = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    referrer = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    def get_fields(self) -> dict:
        fields = super().get_fields()
        for name in UTM_PARAMETERS:
            fields[name] = serializers.CharField(max_length=200, required=False, allow_blank=True)
        return fields


class CaptureSerializer(PageSerializer):
    """Where the lead came from, as the form page would have captured it (all optional)."""

    device = serializers.ChoiceField(["desktop", "mobile", "tablet"], required=False)
    seconds_to_complete = serializers.FloatField(min_value=0, max_value=86_400, required=False)
    page_views = serializers.IntegerField(min_value=0, max_value=100_000, required=False)
    sessions = serializers.IntegerField(min_value=0, max_value=100_000, required=False)
    days_since_first_visit = serializers.FloatField(min_value=0, max_value=36_500, required=False)
    key_pages = serializers.ListField(
        child=serializers.CharField(max_length=500), max_length=200, required=False
    )


class SubmissionSerializer(StrictSerializer):
    answers = serializers.DictField()
    capture = CaptureSerializer(required=False)
    idempotency_key = serializers.CharField(max_length=200, required=False)


class OutcomeSerializer(StrictSerializer):
    status = serializers.ChoiceField(
        [s for s in Lead.Status.values if s != Lead.Status.NEW],
        help_text="contacted, qualified, won, lost or unqualified",
    )
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    won_on = serializers.DateField(required=False)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


def body_validated(serializer_class, request: Request) -> dict:
    """The request's JSON body, validated; a 400 naming each problem otherwise."""
    if not isinstance(request.data, dict):
        raise ValidationError({"detail": "Send a JSON object."})
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _answers_checked(request: Request, form: Form, answers: dict) -> CheckedSubmission | Refusal:
    """The answers through the submission check: judged as the form page judges them, with the
    same messages; no form token, honeypot or fill time (the caller is authenticated)."""
    return submission_check(
        form=form,
        sender=Sender.of(request),
        read=lambda: Submitted(answers=answers),
        checks=TOKEN_API,
    )


def refusal_response(refusal: Refusal) -> Response:
    """A refused submission as JSON: a refusal naming fields is a 400 like every other bad field
    of a body (docs/api.md), the others say why with their own status."""
    if refusal.errors:
        return Response(refusal.errors, status=status.HTTP_400_BAD_REQUEST)
    response = Response({"detail": refusal.message}, status=refusal.status)
    if refusal.reason == SpamRefusal.Reason.RATE_LIMIT:
        response["Retry-After"] = str(settings.FORMSCORE_RATE_LIMIT_WINDOW)
    return response


def _capture_cleaned(form: Form, capture: dict[str, Any], request: Request) -> dict[str, Any]:
    cleaned = {key: value for key, value in capture.items() if value not in ("", None)}
    if "key_pages" in cleaned:
        cleaned["key_pages"] = key_pages_visited(form, cleaned["key_pages"])
    cleaned["api_user"] = request.user.get_username()
    return cleaned


# --- output --------------------------------------------------------------------------------


def lead_json(lead: Lead) -> dict[str, Any]:
    rep = lead.rep
    assignee = lead.assigned_to
    return {
        "id": str(lead.public_id),  # the id webhooks and Slack messages carry too
        "form": lead.form.slug,
        "created_at": lead.created_at.isoformat(),
        "source": lead.source,
        "answers": lead.answers,
        "capture": {key: value for key, value in lead.capture.items() if key != "ip"},
        "score": lead.score,
        "probability": lead.probability,
        "tier": lead.tier,
        "points_score": lead.points_score,
        "model_version": lead.model_version.number if lead.model_version else None,
        "factors": lead.factors,
        "needs_rescoring": lead.needs_rescoring,
        "assigned_to": (
            {
                "username": assignee.get_username(),
                "name": rep.display_name if rep else assignee.get_full_name(),
            }
            if assignee
            else None
        ),
        "status": lead.status,
        "won_amount": str(lead.won_amount) if lead.won_amount is not None else None,
        "won_on": lead.won_on.isoformat() if lead.won_on else None,
    }


def next_step_json(lead: Lead) -> dict[str, Any]:
    step = next_step_for(lead)
    return {
        "tier": step.tier,
        "headline": step.headline,
        "message": step.message,
        "booking_url": step.booking_url,
        "rep_name": step.rep_name,
        "resources": step.resources,
    }


# --- views ---------------------------------------------------------------------------------


class SubmitThrottle(UserRateThrottle):
    scope = "api_submit"


class LeadPages(LimitOffsetPagination):
    default_limit = 50
    max_limit = 500


def _lead_visible(request: Request, public_id) -> Lead:
    """The lead with this id if the caller may see it (404 otherwise, as in the inbox)."""
    pk = Lead.objects.filter(public_id=public_id).values_list("pk", flat=True).first()
    if pk is None:
        raise Http404("No such lead.")
    return lead_for_user(user=request.user, lead_id=pk)


def _lead_loaded(pk: int) -> Lead:
    return Lead.objects.select_related("form", "model_version", "assigned_to__rep_profile").get(
        pk=pk
    )


class FormLeads(APIView):
    """GET: the form's leads, newest first (filters: tier, status, since). POST: submit a lead."""

    permission_classes = [IsAuthenticated, WorkspaceRole]

    def get_throttles(self):
        return [SubmitThrottle()] if self.request.method == "POST" else []

    def get(self, request: Request, slug: str) -> Response:
        form = get_object_or_404(Form, slug=slug)
        leads = (
            leads_visible_to(request.user)
            .filter(form=form)
            .select_related("form", "model_version", "assigned_to__rep_profile")
            .order_by("-created_at", "-id")
        )
        filters = {
            "tier": ("tier", Lead.Tier.values),
            "status": ("status", Lead.Status.values),
        }
        for parameter, (field, allowed) in filters.items():
            value = request.query_params.get(parameter)
            if value is None:
                continue
            if value not in allowed:
                raise ValidationError({parameter: [f"Choose one of: {', '.join(allowed)}."]})
            leads = leads.filter(**{field: value})
        since = request.query_params.get("since")
        if since is not None:
            try:
                when = serializers.DateTimeField().to_internal_value(since)
            except ValidationError as error:
                raise ValidationError({"since": error.detail}) from None
            leads = leads.filter(created_at__gte=when)
        pages = LeadPages()
        page = pages.paginate_queryset(leads, request, view=self)
        return pages.get_paginated_response([lead_json(lead) for lead in page])

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
        capture = _capture_cleaned(form, data.get("capture", {}), request)
        key = data.get("idempotency_key")
        token = None
        if key:
            # Scoped to the form and the caller, so two clients cannot collide on a key.
            scoped = f"{form.pk}:{request.user.pk}:{key}".encode()
            token = "api-" + hashlib.sha256(scoped).hexdigest()[:60]
        result = lead_capture(
            form=form,
            answers=checked.answers,
            capture=capture,
            submission_token=token,
            source=Lead.Source.API,
        )
        lead = _lead_loaded(result.lead.pk)
        body = lead_json(lead) | {"next_step": next_step_json(lead)}
        return Response(body, status=status.HTTP_201_CREATED if result.created else 200)


class FormScore(APIView):
    """POST answers to see their score, tier and factors; nothing is stored."""

    permission_classes = [IsAuthenticated, WorkspaceRole]

    def post(self, request: Request, slug: str) -> Response:
        form = get_object_or_404(Form, slug=slug)
        data = body_validated(SubmissionSerializer, request)
        checked = _answers_checked(request, form, data["answers"])
        if isinstance(checked, Refusal):
            return refusal_response(checked)
        capture = _capture_cleaned(form, data.get("capture", {}), request)
        result = score_answers(form=form, answers=checked.answers, capture=capture)
        return Response(
            {
                "score": result.score,
                "probability": result.probability,
                "tier": result.tier,
                "points_score": result.points_score,
                "model_version": result.model_version.number if result.model_version else None,
                "factors": result.factors,
                "needs_rescoring": result.fallback,
            }
        )


class LeadDetail(APIView):
    permission_classes = [IsAuthenticated, InboxRole]

    def get(self, request: Request, public_id: UUID) -> Response:
        return Response(lead_json(_lead_visible(request, public_id)))


class LeadOutcome(APIView):
    """POST the outcome sales reached: it lands in the lead's timeline and feeds retraining."""

    permission_classes = [IsAuthenticated, InboxRole]

    def post(self, request: Request, public_id: UUID) -> Response:
        lead = _lead_visible(request, public_id)
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
        return Response(lead_json(_lead_loaded(lead.pk)))
