"""The headless API under /api/v1/ (forms_app/api.py; guide: docs/api.md)."""

from django.urls import path

from forms_app import api

app_name = "api"

urlpatterns = [
    path("forms/<slug:slug>/leads", api.FormLeads.as_view(), name="form_leads"),
    path("forms/<slug:slug>/score", api.FormScore.as_view(), name="form_score"),
    path("leads/<uuid:public_id>", api.LeadDetail.as_view(), name="lead"),
    path("leads/<uuid:public_id>/outcome", api.LeadOutcome.as_view(), name="lead_outcome"),
]
