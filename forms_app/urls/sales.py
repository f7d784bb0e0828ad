"""Sales URLs under /app/ (inbox, leads, outcomes, reps, routing, webhook endpoints)."""

from django.urls import path

from forms_app.views import inbox, reps, routing, webhooks

urlpatterns = [
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/bulk/", inbox.inbox_bulk, name="inbox_bulk"),
    path("inbox/<int:lead_id>/", inbox.lead_detail, name="lead_detail"),
    path("inbox/<int:lead_id>/outcome/", inbox.lead_outcome, name="lead_outcome"),
    path("inbox/<int:lead_id>/feedback/", inbox.lead_feedback, name="lead_feedback"),
    path("inbox/<int:lead_id>/reassign/", inbox.lead_reassign_view, name="lead_reassign"),
    path(
        "inbox/<int:lead_id>/notifications/<int:notification_id>/resend/",
        inbox.notification_resend_view,
        name="notification_resend",
    ),
    path("reps/", reps.reps_page, name="reps"),
    path("reps/<int:user_id>/", reps.rep_edit, name="rep_edit"),
    path("reps/teams/new/", reps.team_edit, name="team_new"),
    path("reps/teams/<int:team_id>/", reps.team_edit, name="team_edit"),
    path("webhooks/", webhooks.endpoints_page, name="webhook_endpoints"),
    path("webhooks/new/", webhooks.endpoint_new, name="webhook_endpoint_new"),
    path("webhooks/<int:endpoint_id>/", webhooks.endpoint_page, name="webhook_endpoint"),
    path(
        "webhooks/<int:endpoint_id>/rotate/",
        webhooks.endpoint_rotate,
        name="webhook_endpoint_rotate",
    ),
    path(
        "webhooks/<int:endpoint_id>/disable/",
        webhooks.endpoint_disable,
        name="webhook_endpoint_disable",
    ),
    path(
        "webhooks/<int:endpoint_id>/enable/",
        webhooks.endpoint_enable,
        name="webhook_endpoint_enable",
    ),
    path(
        "webhooks/<int:endpoint_id>/deliveries/<int:notification_id>/resend/",
        webhooks.delivery_resend,
        name="webhook_delivery_resend",
    ),
    path("routing/", routing.routing_overview, name="routing_overview"),
    path("forms/<slug:slug>/routing/", routing.routing_page, name="routing"),
    path("forms/<slug:slug>/routing/new/", routing.rule_edit, name="routing_rule_new"),
    path("forms/<slug:slug>/routing/<int:rule_id>/", routing.rule_edit, name="routing_rule_edit"),
    path(
        "forms/<slug:slug>/routing/<int:rule_id>/delete/",
        routing.rule_delete,
        name="routing_rule_delete",
    ),
    path("forms/<slug:slug>/routing/preview/", routing.rule_preview, name="routing_preview"),
]
