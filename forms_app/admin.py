from django.contrib import admin

from forms_app.models import (
    Contact,
    Form,
    FormStepStat,
    Lead,
    LeadEvent,
    Notification,
    Question,
    RepProfile,
    RoutingRule,
    SpamRefusal,
    Team,
    WebhookEndpoint,
)


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    fields = [
        "position",
        "key",
        "label",
        "kind",
        "contact_role",
        "required",
        "feeds_score",
        "archived",
    ]
    readonly_fields = ["key"]


@admin.register(Form)
class FormAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "status", "revision", "is_demo", "updated_at"]
    list_filter = ["status", "is_demo"]
    search_fields = ["name", "slug"]
    inlines = [QuestionInline]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["label", "form", "key", "kind", "required", "feeds_score", "position"]
    list_filter = ["kind", "form"]
    readonly_fields = ["key"]


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ["id", "form", "created_at", "status", "score", "tier", "source"]
    list_filter = ["form", "status", "tier", "source", "needs_rescoring"]
    date_hierarchy = "created_at"
    list_select_related = ["form"]
    readonly_fields = ["public_id", "submission_token", "model_version"]
    raw_id_fields = ["contact"]  # a select of every contact would not load


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "company", "company_domain", "owner", "created_at"]
    search_fields = ["email_normalized", "name", "company", "company_domain"]
    list_select_related = ["owner"]
    readonly_fields = ["email_normalized", "company_domain"]
    raw_id_fields = ["owner"]


@admin.register(RepProfile)
class RepProfileAdmin(admin.ModelAdmin):
    list_display = ["display_name", "user", "active", "capacity", "booking_url"]
    list_filter = ["active"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name"]
    filter_horizontal = ["members"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "form", "position", "action", "enabled", "stop_after"]
    list_filter = ["form", "action", "enabled"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """Read here; rotate, disable and enable on the workspace's endpoint page (the services)."""

    list_display = ["name", "url", "state", "consecutive_failures", "last_success_at"]
    list_filter = ["state"]
    readonly_fields = ["secret", "previous_secret", "previous_secret_expires_at"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "lead", "channel", "status", "attempts", "next_attempt_at", "created_at"]
    list_filter = ["status", "channel"]
    readonly_fields = ["delivery_id", "lead", "rule", "endpoint", "payload"]


@admin.register(LeadEvent)
class LeadEventAdmin(admin.ModelAdmin):
    list_display = ["lead", "kind", "message", "actor", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["lead"]


@admin.register(SpamRefusal)
class SpamRefusalAdmin(admin.ModelAdmin):
    """Refused public submits per form, reason and day (nothing refused is stored as a lead)."""

    list_display = ["day", "form", "reason", "count"]
    list_filter = ["reason", "form"]
    date_hierarchy = "day"
    list_select_related = ["form"]


@admin.register(FormStepStat)
class FormStepStatAdmin(admin.ModelAdmin):
    """Per step of a form: how many prospects saw it and how many got past it."""

    list_display = ["form", "step", "started", "completed", "dropped"]
    list_filter = ["form"]
    list_select_related = ["form"]
