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
