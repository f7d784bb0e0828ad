from django.contrib import admin

from scoring.models import ModelVersion, ModelVersionEvent, PointsRule


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ["form", "number", "algorithm", "status", "n_leads", "created_at"]
    list_filter = ["status", "form"]
    exclude = ["onnx"]
    readonly_fields = ["sha256", "created_at", "activated_at"]


@admin.register(ModelVersionEvent)
class ModelVersionEventAdmin(admin.ModelAdmin):
    list_display = ["form", "version", "action", "actor", "created_at"]
    list_filter = ["action"]


@admin.register(PointsRule)
class PointsRuleAdmin(admin.ModelAdmin):
    list_display = ["form", "key", "operator", "value", "points", "position"]
    list_filter = ["form"]
