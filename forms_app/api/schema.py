"""The JSON API described as OpenAPI 3 (drf-spectacular): served at /api/schema/, browsable at
/api/docs/ with Swagger UI from local static files (drf-spectacular-sidecar, no CDN).

The descriptions, examples and error answers of every operation live here, beside each other,
instead of decorating the views; `describe_api()` attaches them once when the URLs load.
"""

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers

from forms_app.api import headless, token_api
from forms_app.api.serializers import (
    LeadListQuerySerializer,
    LeadSerializer,
    OutcomeSerializer,
    PublicLeadSerializer,
    PublicSubmissionSerializer,
    ScoreSerializer,
    SubmissionSerializer,
    SubmittedLeadSerializer,
)

TOKEN_API = "Token API (servers)"
HEADLESS = "Headless form (browsers)"

_ERROR = inline_serializer("Error", {"detail": serializers.CharField()})
_FIELD_ERRORS = OpenApiResponse(
    description="A field is missing, unknown or wrong: each field named with its problems.",
    examples=[
        OpenApiExample(
            "A choice that is not one",
            value={"budget": ["Select a valid choice. lots is not one of the available choices."]},
            response_only=True,
            status_codes=["400"],
        )
    ],
)
_NO_TOKEN = OpenApiResponse(_ERROR, description="No token, or not a valid one.")
_NOT_ALLOWED = OpenApiResponse(_ERROR, description="The token's user has no role for this.")
_NOT_FOUND = OpenApiResponse(_ERROR, description="No such form or lead (for this user).")

KEEN_ANSWERS = {
    "work_email": "dana@northwind.example",
    "full_name": "Dana Buyer",
    "company": "Northwind",
    "company_size": "201_1000",
    "timeline": "within_1_month",
    "budget": "20k_50k",
    "consent": True,
}
NEXT_STEP = {
    "tier": "sales_ready",
    "headline": "Book a time with Sam Sales",
    "message": "Pick a slot that suits you.",
    "booking_url": "https://cal.example.com/sam",
    "rep_name": "Sam Sales",
    "resources": [],
    "redirect_url": "",
}
LEAD = {
    "id": "3f6c1d2e-8a4b-4c2d-9e1f-0a1b2c3d4e5f",
    "form": "demo",
    "created_at": "2026-12-01T09:30:00+00:00",
    "source": "api",
    "answers": KEEN_ANSWERS,
    "capture": {"utm_source": "newsletter", "device": "desktop"},
    "score": 97,
    "probability": 0.83,
    "tier": "sales_ready",
    "points_score": 70,
    "model_version": 3,
    "factors": [{"feature": "timeline", "label": "When do you want to start?", "impact": 21.5}],
    "needs_rescoring": False,
    "assigned_to": {"username": "sam", "name": "Sam Sales"},
    "status": "new",
    "won_amount": None,
    "currency": "USD",
    "won_on": None,
}


def _example(name: str, value: dict, **kwargs) -> OpenApiExample:
    return OpenApiExample(name, value=value, **kwargs)


def describe_api() -> None:
    """Attach the OpenAPI descriptions to the API's views (idempotent)."""
    extend_schema_view(
        get=extend_schema(
            tags=[TOKEN_API],
            operation_id="form_leads_list",
            summary="List a form's leads",
            description="Newest first, a page at a time (`limit` ≤ 500, `offset`).",
            parameters=[
                LeadListQuerySerializer,
                OpenApiParameter("limit", int, description="At most 500."),
                OpenApiParameter("offset", int),
            ],
            responses={
                200: OpenApiResponse(
                    inline_serializer(
                        "LeadPage",
                        {
                            "count": serializers.IntegerField(),
                            "next": serializers.URLField(allow_null=True),
                            "previous": serializers.URLField(allow_null=True),
                            "results": LeadSerializer(many=True),
                        },
                    ),
                    examples=[
                        _example(
                            "A page of leads",
                            {
                                "count": 1,
                                "next": None,
                                "previous": None,
                                "results": [LEAD],
                            },
                            response_only=True,
                        )
                    ],
                ),
                400: _FIELD_ERRORS,
                401: _NO_TOKEN,
                403: _NOT_ALLOWED,
                404: _NOT_FOUND,
            },
        ),
    )(token_api.FormLeadList)
    extend_schema_view(
        post=extend_schema(
            tags=[TOKEN_API],
            operation_id="form_leads_submit",
            summary="Submit a lead",
            description=(
                "Checked like a submit of the form page, then stored, scored, routed and "
                "notified. 201 with the lead and its next step; 200 when `idempotency_key` finds "
                "the lead an earlier call created."
            ),
            request=SubmissionSerializer,
            responses={
                201: SubmittedLeadSerializer,
                200: SubmittedLeadSerializer,
                400: _FIELD_ERRORS,
                401: _NO_TOKEN,
                403: _NOT_ALLOWED,
                404: _NOT_FOUND,
                409: OpenApiResponse(_ERROR, description="The form is a draft."),
                429: OpenApiResponse(_ERROR, description="Too many submissions: retry later."),
            },
            examples=[
                _example(
                    "A keen lead",
                    {
                        "answers": KEEN_ANSWERS,
                        "capture": {"utm_source": "newsletter", "device": "desktop"},
                        "idempotency_key": "crm-4711",
                    },
                    request_only=True,
                ),
                _example(
                    "Stored, scored and routed",
                    {**LEAD, "next_step": NEXT_STEP},
                    response_only=True,
                    status_codes=["201"],
                ),
            ],
        ),
    )(token_api.FormLeadSubmit)
    extend_schema_view(
        post=extend_schema(
            tags=[TOKEN_API],
            operation_id="form_score",
            summary="Score answers without storing them",
            request=SubmissionSerializer,
            responses={
                200: ScoreSerializer,
                400: _FIELD_ERRORS,
                401: _NO_TOKEN,
                403: _NOT_ALLOWED,
                404: _NOT_FOUND,
                429: OpenApiResponse(_ERROR, description="Too many what-ifs: retry later."),
            },
            examples=[
                _example("What if", {"answers": KEEN_ANSWERS}, request_only=True),
                _example(
                    "Its score",
                    {
                        "score": 97,
                        "probability": 0.83,
                        "tier": "sales_ready",
                        "points_score": 70,
                        "model_version": 3,
                        "factors": LEAD["factors"],
                        "needs_rescoring": False,
                    },
                    response_only=True,
                ),
            ],
        )
    )(token_api.FormScore)
    extend_schema_view(
        get=extend_schema(
            tags=[TOKEN_API],
            operation_id="lead_read",
            summary="Read one lead",
            responses={200: LeadSerializer, 401: _NO_TOKEN, 403: _NOT_ALLOWED, 404: _NOT_FOUND},
            examples=[_example("A lead", LEAD, response_only=True)],
        )
    )(token_api.LeadDetail)
    extend_schema_view(
        post=extend_schema(
            tags=[TOKEN_API],
            operation_id="lead_outcome",
            summary="Record what sales reached",
            request=OutcomeSerializer,
            responses={
                200: LeadSerializer,
                400: _FIELD_ERRORS,
                401: _NO_TOKEN,
                403: _NOT_ALLOWED,
                404: _NOT_FOUND,
            },
            examples=[
                _example(
                    "Won",
                    {"status": "won", "amount": "24000.00", "won_on": "2026-11-30"},
                    request_only=True,
                ),
                _example(
                    "Lost", {"status": "lost", "reason": "Went with a rival"}, request_only=True
                ),
                _example("The lead, closed", {**LEAD, "status": "won"}, response_only=True),
            ],
        )
    )(token_api.LeadOutcome)
    extend_schema_view(
        get=extend_schema(
            tags=[HEADLESS],
            operation_id="public_form_read",
            summary="Describe a form and issue a form token",
            auth=[],
            responses={
                200: OpenApiResponse(
                    inline_serializer(
                        "PublicFormDescription",
                        {
                            "slug": serializers.CharField(),
                            "name": serializers.CharField(),
                            "description": serializers.CharField(),
                            "submit_label": serializers.CharField(),
                            "closed": serializers.BooleanField(),
                            "closed_message": serializers.CharField(),
                            "questions": serializers.ListField(child=serializers.DictField()),
                            "token": serializers.CharField(),
                            "token_max_age_seconds": serializers.IntegerField(),
                            "min_fill_seconds": serializers.IntegerField(),
                        },
                    ),
                    description="What to render and a fresh signed token.",
                    examples=[
                        _example(
                            "The demo form",
                            {
                                "slug": "demo",
                                "name": "Request a demo",
                                "description": "",
                                "submit_label": "Request a demo",
                                "closed": False,
                                "closed_message": "This form is closed.",
                                "questions": [
                                    {
                                        "key": "work_email",
                                        "label": "Work e-mail",
                                        "kind": "email",
                                        "required": True,
                                    }
                                ],
                                "token": "eyJmIjoxfQ:1t2…",
                                "token_max_age_seconds": 21600,
                                "min_fill_seconds": 3,
                            },
                            response_only=True,
                        )
                    ],
                ),
                404: _NOT_FOUND,
            },
        ),
        options=extend_schema(exclude=True),
    )(headless.PublicForm)
    extend_schema_view(
        post=extend_schema(
            tags=[HEADLESS],
            operation_id="public_form_submit",
            summary="Submit the headless form",
            description="With the token from the description; answers with the next step.",
            auth=[],
            request=PublicSubmissionSerializer,
            responses={
                201: PublicLeadSerializer,
                200: PublicLeadSerializer,
                400: _FIELD_ERRORS,
                403: OpenApiResponse(_ERROR, description="Sent from a site not allowed."),
                404: _NOT_FOUND,
                410: OpenApiResponse(_ERROR, description="The form is closed (its message)."),
                429: OpenApiResponse(_ERROR, description="Too many submits from this address."),
            },
            examples=[
                _example(
                    "From the prospect's browser",
                    {
                        "token": "eyJmIjoxfQ:1t2…",
                        "answers": KEEN_ANSWERS,
                        "page": {"page_url": "https://www.example.com/pricing"},
                        "website": "",
                    },
                    request_only=True,
                ),
                _example(
                    "The next step",
                    {"id": LEAD["id"], "next_step": NEXT_STEP},
                    response_only=True,
                    status_codes=["201"],
                ),
            ],
        ),
        options=extend_schema(exclude=True),
    )(headless.PublicSubmission)
