from collections import Counter

from django.contrib import admin, messages

from scoring.models import ModelVersion, ModelVersionEvent, PointsRule
from scoring.services import ActivationError, model_version_activate, model_version_rollback

# Activate and roll back from the list of versions or from one version's page.
BOTH_PAGES = [admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM]
ADMIN_REASON = "From the admin"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows are shown, never added, edited or deleted here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ModelVersion)
class ModelVersionAdmin(ReadOnlyAdmin):
    """The registry, read-only: versions are immutable; which one is live changes through the
    same services as the models page, so every change has its audit event."""

    list_display = ["form", "number", "algorithm", "status", "n_leads", "created_at"]
    list_filter = ["status", "form"]
    exclude = ["onnx"]  # megabytes of bytes: the sha256 identifies them
    readonly_fields = ["created_at"]  # not editable, so shown only when named
    actions = ["activate", "rollback"]

    def get_queryset(self, request):
        # The list and the actions never need the ONNX blobs.
        return super().get_queryset(request).select_related("form").defer("onnx")

    def has_activate_permission(self, request) -> bool:
        # Choosing the live version is the one change the registry allows.
        return request.user.has_perm("scoring.change_modelversion")

    @admin.action(permissions=["activate"], description="Activate", location=BOTH_PAGES)
    def activate(self, request, queryset) -> None:
        versions = list(queryset)
        if max(Counter(v.form_id for v in versions).values(), default=0) > 1:
            self.message_user(
                request, "A form has one active version: select one per form.", messages.ERROR
            )
            return
        for version in versions:
            if version.status == ModelVersion.Status.ACTIVE:
                self.message_user(request, f"{version} is already active.", messages.WARNING)
                continue
            try:
                model_version_activate(version=version, actor=request.user, reason=ADMIN_REASON)
            except ActivationError as exc:
                self.message_user(request, f"{version}: {exc}", messages.ERROR)
            else:
                self.message_user(request, f"{version} now scores the form's new leads.")

    @admin.action(
        permissions=["activate"],
        description="Roll back to the previous version",
        location=BOTH_PAGES,
    )
    def rollback(self, request, queryset) -> None:
        forms = {version.form_id: version.form for version in queryset}
        for form_id, form in forms.items():
            try:
                now_active = model_version_rollback(
                    form_id=form_id, actor=request.user, reason=ADMIN_REASON
                )
            except ActivationError as exc:
                self.message_user(request, f"{form}: {exc}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"{form} rolled back: v{now_active.number} scores new leads again."
                    if now_active
                    else f"{form} rolled back: the points system scores new leads again.",
                )


@admin.register(ModelVersionEvent)
class ModelVersionEventAdmin(ReadOnlyAdmin):
    """The registry's audit trail: written by the services only."""

    list_display = ["form", "version", "action", "actor", "created_at"]
    list_filter = ["action"]


@admin.register(PointsRule)
class PointsRuleAdmin(admin.ModelAdmin):
    list_display = ["form", "key", "operator", "value", "points", "position"]
    list_filter = ["form"]
