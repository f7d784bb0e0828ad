"""What the JSON API reads and writes: one input serializer per operation's body or query, one
output serializer per thing it answers with, and how a refused submission is answered.

The shapes are the API's contract (docs/api.md): change them only with the guide.
"""

from typing import Any

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from forms_app.capture.checks import Refusal
from forms_app.capture.metadata import UTM_PARAMETERS
from forms_app.capture.next_step import next_step_for
from forms_app.models import Lead, SpamRefusal, lead_contact
from forms_app.models.text import control_characters_refused, control_characters_stripped
from forms_app.workspace.workspace_settings import workspace_currency
from scoring.features import DEVICES

# --- input ---------------------------------------------------------------------------------


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, so a typo is an error rather than silently lost data."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class ReportedTextField(serializers.CharField):
    """Text a browser reported about a page (URL, referrer, UTM): control characters are dropped,
    as the form page drops them, never a reason to refuse the lead."""

    def to_internal_value(self, data) -> str:
        # Before the validators, so DRF's own NUL check never refuses the lead.
        return control_characters_stripped(super().to_internal_value(data))


class PageSerializer(StrictSerializer):
    """The page a form was filled on; UTM parameters in its URL are read too."""

    page_url = ReportedTextField(max_length=2000, required=False, allow_blank=True)
    referrer = ReportedTextField(max_length=2000, required=False, allow_blank=True)

    def get_fields(self) -> dict:
        fields = super().get_fields()
        for name in UTM_PARAMETERS:
            fields[name] = ReportedTextField(max_length=200, required=False, allow_blank=True)
        return fields


class CaptureSerializer(PageSerializer):
    """Where the lead came from, as the form page would have captured it (all optional)."""

    device = serializers.ChoiceField(DEVICES, required=False)
    seconds_to_complete = serializers.FloatField(min_value=0, max_value=86_400, required=False)
    page_views = serializers.IntegerField(min_value=0, max_value=100_000, required=False)
    sessions = serializers.IntegerField(min_value=0, max_value=100_000, required=False)
    days_since_first_visit = serializers.FloatField(min_value=0, max_value=36_500, required=False)
    key_pages = serializers.ListField(
        child=ReportedTextField(max_length=500), max_length=200, required=False
    )


class SubmissionSerializer(StrictSerializer):
    """A lead from a server: submitted, or only scored."""

    answers = serializers.DictField()
    capture = CaptureSerializer(required=False)
    idempotency_key = serializers.CharField(max_length=200, required=False)


class PublicSubmissionSerializer(StrictSerializer):
    """A lead from the headless form in a prospect's browser."""

    token = serializers.CharField(max_length=500)
    answers = serializers.DictField()
    page = PageSerializer(required=False)
    website = serializers.CharField(
        required=False, allow_blank=True, help_text="Leave empty: a trap for bots."
    )


class OutcomeSerializer(StrictSerializer):
    status = serializers.ChoiceField(
        [s for s in Lead.Status.values if s != Lead.Status.NEW],
        help_text="contacted, qualified, won, lost or unqualified",
    )
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    won_on = serializers.DateField(required=False)
    reason = serializers.CharField(
        max_length=500, required=False, allow_blank=True, validators=[control_characters_refused]
    )


def _one_of(values: list[str]) -> dict[str, str]:
    return {"invalid_choice": f"Choose one of: {', '.join(values)}."}


class LeadListQuerySerializer(serializers.Serializer):
    """The list's filters. Not strict: limit and offset belong to the pagination."""

    tier = serializers.ChoiceField(
        Lead.Tier.values, required=False, error_messages=_one_of(Lead.Tier.values)
    )
    status = serializers.ChoiceField(
        Lead.Status.values, required=False, error_messages=_one_of(Lead.Status.values)
    )
    since = serializers.DateTimeField(
        required=False, help_text="Received at or after this time (ISO 8601)."
    )
    until = serializers.DateTimeField(
        required=False, help_text="Received at or before this time (ISO 8601)."
    )
    imported = serializers.BooleanField(
        required=False,
        default=False,
        help_text="true: the form's imported history instead of its submissions. Submissions "
        "are counted as on the forms list and in Analytics; imported history never is.",
    )


def body_validated(serializer_class, request: Request) -> dict[str, Any]:
    """The request's JSON body, validated; a 400 naming each problem otherwise."""
    if not isinstance(request.data, dict):
        raise ValidationError({"detail": "Send a JSON object."})
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def query_validated(serializer_class, request: Request) -> dict[str, Any]:
    """The request's query parameters (the last of repeated ones), validated."""
    serializer = serializer_class(data=request.query_params.dict())
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- output --------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.DATETIME)
class IsoDateTimeField(serializers.Field):
    """A datetime as Python writes it ("2026-11-27T17:40:00+00:00"), to the microsecond."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value) -> str:
        return value.isoformat()


class NextStepSerializer(serializers.Serializer):
    """What the prospect is offered after submitting (capture.next_step.NextStep)."""

    tier = serializers.CharField()
    headline = serializers.CharField()
    message = serializers.CharField()
    booking_url = serializers.CharField()
    rep_name = serializers.CharField()
    # [{"title", "url"}], already checked (capture.next_step): nested fields would only cost time.
    resources = serializers.JSONField()
    # Non-empty: the site should send the prospect there (the form's redirect for the tier).
    redirect_url = serializers.CharField()


class AssigneeSerializer(serializers.Serializer):
    """The user a lead is assigned to, named as their rep profile names them."""

    username = serializers.SerializerMethodField()
    name = serializers.SerializerMethodField()

    def get_username(self, user) -> str:
        return user.get_username()

    def get_name(self, user) -> str:
        profile = getattr(user, "rep_profile", None)
        return profile.display_name if profile else user.get_full_name()


class ContactSerializer(serializers.Serializer):
    """A lead's contact details: the answers to the questions marked e-mail, name, company and
    phone (forms_app.models.contacts.lead_contact)."""

    email = serializers.CharField()
    name = serializers.CharField()
    company = serializers.CharField()
    phone = serializers.CharField()


class LeadSerializer(serializers.Serializer):
    """A stored lead: its answers, where it came from, its score and what sales made of it."""

    id = serializers.UUIDField(source="public_id")  # the id webhooks and Slack messages carry
    form = serializers.CharField(source="form.slug")
    created_at = IsoDateTimeField()
    source = serializers.CharField()
    contact = serializers.SerializerMethodField()
    answers = serializers.JSONField()
    capture = serializers.SerializerMethodField()
    score = serializers.IntegerField()
    probability = serializers.FloatField()
    tier = serializers.CharField()
    points_score = serializers.IntegerField()
    model_version = serializers.IntegerField(source="model_version.number", allow_null=True)
    factors = serializers.JSONField()
    needs_rescoring = serializers.BooleanField()
    assigned_to = AssigneeSerializer()
    status = serializers.CharField()
    won_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.SerializerMethodField(
        help_text="ISO 4217 code of won_amount: the workspace currency."
    )
    won_on = serializers.DateField()

    @extend_schema_field(ContactSerializer)
    def get_contact(self, lead: Lead) -> dict[str, str]:
        return ContactSerializer(lead_contact(lead)).data

    @extend_schema_field(OpenApiTypes.STR)
    def get_currency(self, lead: Lead) -> str:
        # A list reads it once and passes it in the context; one lead reads it here.
        if "currency" not in self.context:
            self.context["currency"] = workspace_currency()
        return self.context["currency"]

    def get_capture(self, lead: Lead) -> dict[str, Any]:
        return {key: value for key, value in lead.capture.items() if key != "ip"}


class SubmittedLeadSerializer(LeadSerializer):
    """A lead just submitted, with the next step to show the prospect."""

    next_step = serializers.SerializerMethodField()

    def get_next_step(self, lead: Lead) -> dict[str, Any]:
        return NextStepSerializer(next_step_for(lead)).data


class PublicLeadSerializer(serializers.Serializer):
    """What a prospect's browser learns of its lead: the id and the next step, never the score."""

    id = serializers.UUIDField(source="public_id")
    next_step = serializers.SerializerMethodField()

    def get_next_step(self, lead: Lead) -> dict[str, Any]:
        return NextStepSerializer(next_step_for(lead)).data


class ScoreSerializer(serializers.Serializer):
    """A score without a stored lead (scoring.services.ScoreResult)."""

    score = serializers.IntegerField()
    probability = serializers.FloatField()
    tier = serializers.CharField()
    points_score = serializers.IntegerField()
    model_version = serializers.IntegerField(source="model_version.number", allow_null=True)
    factors = serializers.JSONField()
    needs_rescoring = serializers.BooleanField(source="fallback")


def refusal_response(refusal: Refusal) -> Response:
    """A submission the check refused: a refusal naming fields is a 400 like every other bad
    field of a body (docs/api.md), the others say why with their own status."""
    if refusal.errors:
        return Response(refusal.errors, status=status.HTTP_400_BAD_REQUEST)
    response = Response({"detail": refusal.message}, status=refusal.status)
    if refusal.reason == SpamRefusal.Reason.RATE_LIMIT:
        response["Retry-After"] = str(settings.FORMSCORE_RATE_LIMIT_WINDOW)
    return response
