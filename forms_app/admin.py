from django.contrib import admin

from forms_app.models import Form, FormStepStat, Lead, Question, SpamRefusal


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    fields = ["position", "key", "label", "kind", "required", "feeds_score", "archived"]
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
