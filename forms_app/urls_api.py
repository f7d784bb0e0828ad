"""The headless API under /api/v1/: forms_app/api.py (with a token) and forms_app/api_public.py
(the headless form for browsers). Guide: docs/api.md."""

from django.urls import path

from forms_app import api, api_public

app_name = "api"

urlpatterns = [
    path("public/forms/<slug:slug>", api_public.PublicForm.as_view(), name="public_form"),
    path(
        "public/forms/<slug:slug>/submissions",
        api_public.PublicSubmission.as_view(),
        name="public_submission",
    ),
    path("forms/<slug:slug>/leads", api.FormLeads.as_view(), name="form_leads"),
    path("forms/<slug:slug>/score", api.FormScore.as_view(), name="form_score"),
    path("leads/<uuid:public_id>", api.LeadDetail.as_view(), name="lead"),
    path("leads/<uuid:public_id>/outcome", api.LeadOutcome.as_view(), name="lead_outcome"),
]
