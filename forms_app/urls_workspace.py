"""Workspace URLs under /app/ (forms, builder, preview, models, embed)."""

urlpatterns: list = []
