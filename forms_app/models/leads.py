import uuid

from django.conf import settings
from django.db import models


class LeadQuerySet(models.QuerySet):
    """The one definition of a submission and of imported history, for every count and list
    (the forms list, Analytics, the API): the numbers built on it are in
    forms_app/workspace/lead_counts.py."""

    def submissions(self) -> "LeadQuerySet":
        """Complete leads that arrived through the form or the API (or demo data standing in
        for them): not a multi-step lead abandoned after the e-mail step, not imported history."""
        return self.filter(is_partial=False).exclude(source=Lead.Source.IMPORT)

    def imported_history(self) -> "LeadQuerySet":
        return self.filter(source=Lead.Source.IMPORT)

    def received_between(self, start, end) -> "LeadQuerySet":
        """Received from start to end, both included; either end open when None."""
        leads = self
        if start is not None:
            leads = leads.filter(created_at__gte=start)
        if end is not None:
            leads = leads.filter(created_at__lte=end)
        return leads


class Lead(models.Model):
    """One submission of a form (or one imported historical lead) with its score and outcome."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        CONTACTED = "contacted", "Contacted"
        QUALIFIED = "qualified", "Qualified"
        WON = "won", "Won"
        LOST = "lost", "Lost"
        UNQUALIFIED = "unqualified", "Unqualified"

    # Statuses whose outcome is known (the lead can teach the model); which of them count as a
    # conversion is the form's definition (Form.converted_statuses).
    OUTCOME_STATUSES = (Status.QUALIFIED, Status.WON, Status.LOST, Status.UNQUALIFIED)

    class Tier(models.TextChoices):
        SALES_READY = "sales_ready", "Sales-ready"
        MARKETING_QUALIFIED = "marketing_qualified", "Marketing-qualified"
        NURTURE = "nurture", "Nurture"

    class Source(models.TextChoices):
        FORM = "form", "Form"
        API = "api", "API"
        IMPORT = "import", "Import"
        DEMO = "demo", "Demo data"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    form = models.ForeignKey("forms_app.Form", on_delete=models.PROTECT, related_name="leads")
    # The person, by the answer to the form's e-mail question; none without an e-mail.
    contact = models.ForeignKey(
        "forms_app.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
    )
    answers = models.JSONField(default=dict, blank=True)
    # UTM, referrer, page URL, device, seconds to complete, browsing signals, client address.
    capture = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=10, choices=Source, default=Source.FORM)
    # The nonce of the form token it was submitted with: a replayed submit finds this lead.
    submission_token = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(db_index=True)
    # A multi-step submission abandoned after the e-mail step: scored, not routed.
    is_partial = models.BooleanField(default=False)
    completed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status, default=Status.NEW)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    won_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)

    score = models.PositiveSmallIntegerField(null=True, blank=True)
    probability = models.FloatField(null=True, blank=True)
    tier = models.CharField(max_length=20, choices=Tier, blank=True)
    points_score = models.PositiveSmallIntegerField(null=True, blank=True)
    model_version = models.ForeignKey(
        "scoring.ModelVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
    )
    factors = models.JSONField(default=list, blank=True)
    needs_rescoring = models.BooleanField(default=False)
    scored_at = models.DateTimeField(null=True, blank=True)

    # The sales loop: who works the lead, how fast, and what the rep thinks of its score.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_leads",
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    routed_by = models.ForeignKey(
        "forms_app.RoutingRule", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    first_contacted_at = models.DateTimeField(null=True, blank=True)
    sla_due_at = models.DateTimeField(null=True, blank=True)
    outcome_reason = models.CharField(max_length=500, blank=True)
    won_on = models.DateField(null=True, blank=True)
    score_feedback = models.CharField(max_length=500, blank=True)
    score_feedback_at = models.DateTimeField(null=True, blank=True)
    # When retention cleared its contact details and free text (forms_app/privacy.py).
    anonymised_at = models.DateTimeField(null=True, blank=True)

    objects = LeadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["form", "created_at"]),
            models.Index(fields=["form", "status"]),
            models.Index(fields=["assigned_to", "status"]),
            models.Index(fields=["contact", "created_at"]),
            # Covers the Performance tab's and the what-if's grouped counts (month, score,
            # outcome, tier, rep, contact and SLA, revenue), so they read this index instead of
            # every lead's row with its answers and capture: about five times faster on 100,000
            # leads (bench/pages.py). A submit writes one more index entry.
            models.Index(
                fields=[
                    "form",
                    "created_at",
                    "is_partial",
                    "source",
                    "status",
                    "score",
                    "points_score",
                    "tier",
                    "assigned_to",
                    "first_contacted_at",
                    "sla_due_at",
                    "won_amount",
                ],
                name="lead_form_scores",
            ),
            models.Index(
                fields=["needs_rescoring"],
                name="lead_needs_rescoring",
                condition=models.Q(needs_rescoring=True),
            ),
        ]

    def __str__(self) -> str:
        return f"Lead {self.pk} on {self.form_id}"

    @property
    def is_demo(self) -> bool:
        return self.source == self.Source.DEMO

    @property
    def rep(self):
        """The assigned rep's profile (display name, booking link), or None."""
        user = self.assigned_to
        return getattr(user, "rep_profile", None) if user is not None else None
