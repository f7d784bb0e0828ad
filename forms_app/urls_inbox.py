"""Sales URLs under /app/ (inbox, leads, outcomes, reps, routing)."""

urlpatterns: list = []
