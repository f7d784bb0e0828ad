"""The headless API under /api/v1/: the token API (forms_app/api/token_api.py) and the headless
form for browsers (forms_app/api/headless.py). Guide: docs/api.md."""

from django.urls import path

from forms_app.api import headless, token_api

app_name = "api"

urlpatterns = [
    path("public/forms/<slug:slug>", headless.PublicForm.as_view(), name="public_form"),
    path(
        "public/forms/<slug:slug>/submissions",
        headless.PublicSubmission.as_view(),
        name="public_submission",
    ),
    path("forms/<slug:slug>/leads", token_api.form_leads, name="form_leads"),
    path("forms/<slug:slug>/score", token_api.FormScore.as_view(), name="form_score"),
    path("leads/<uuid:public_id>", token_api.LeadDetail.as_view(), name="lead"),
    path("leads/<uuid:public_id>/outcome", token_api.LeadOutcome.as_view(), name="lead_outcome"),
]


def _answering_only(view_class: type, method: str) -> type:
    """The operation as the schema sees it: the one method it handles (it answers OPTIONS and
    Allow for the whole URL it shares)."""
    return type(view_class.__name__, (view_class,), {"allowed_methods": [method]})


# What the OpenAPI schema (/api/schema/) describes: the same URLs, with listing and submitting a
# form's leads as the two operations they are (one URL dispatches to both).
schema_urlpatterns = [
    *(pattern for pattern in urlpatterns if pattern.name != "form_leads"),
    path(
        "forms/<slug:slug>/leads",
        _answering_only(token_api.FormLeadList, "GET").as_view(),
        name="form_leads_list",
    ),
    path(
        "forms/<slug:slug>/leads",
        _answering_only(token_api.FormLeadSubmit, "POST").as_view(),
        name="form_leads_submit",
    ),
]
