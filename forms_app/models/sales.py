"""The sales loop: reps and teams, routing rules, the notification outbox and lead timelines."""

import base64
import secrets
import uuid

from django.conf import settings
from django.db import models

WEBHOOK_SECRET_PREFIX = "whsec_"


def webhook_secret_new() -> str:
    """A Standard Webhooks signing secret: "whsec_" and the base64 of 32 random bytes."""
    return WEBHOOK_SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


class RepProfile(models.Model):
    """What the sales side knows about a user: how prospects see them, how many leads they take."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rep_profile"
    )
    display_name = models.CharField(max_length=120)
    booking_url = models.URLField(blank=True, help_text="Shown to sales-ready prospects.")
    active = models.BooleanField(default=True, help_text="Inactive reps get no new leads.")
    capacity = models.PositiveIntegerField(
        default=50, help_text="Open leads (new or contacted) at most before routing skips the rep."
    )

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name


class RepOpenLeads(models.Model):
    """How many open leads (new or contacted) each user has assigned, for routing's capacity check.

    Kept by database triggers on the lead table (migration 0018), not by Python: every way a lead
    is inserted, reassigned, moved between statuses or deleted (the ORM, `update()`, imports'
    plain SQL, cascades) keeps it exact, inside the same transaction. Routing reads one row per
    rep instead of counting the rep's leads on every submit. `rep_id` is a user's id without a
    foreign key: a deleted user's row only stops being read.
    """

    rep_id = models.IntegerField(primary_key=True)
    open_leads = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"user {self.rep_id}: {self.open_leads} open"


class Team(models.Model):
    name = models.CharField(max_length=120, unique=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="sales_teams", blank=True
    )
    # Round-robin cursor: the member who got the team's last lead.
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WebhookEndpoint(models.Model):
    """Where CRM webhooks go: a URL, its signing secret, and whether it is healthy enough to use.

    Rules point at an endpoint; its outbox rows are signed with its secret when they are sent (so
    a rotated secret applies to rows already waiting). After a secret is rotated the previous one
    keeps signing beside it until previous_secret_expires_at. A disabled endpoint is not called:
    its rows wait as "held" until it is enabled again.
    """

    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        DISABLED = "disabled", "Disabled"

    name = models.CharField(max_length=120)
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100, default=webhook_secret_new)
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State, default=State.ACTIVE)
    # Failed attempts since the last success; at FORMSCORE_WEBHOOK_DISABLE_AFTER_FAILURES the
    # endpoint is disabled.
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class RoutingRule(models.Model):
    """One ordered rule of a form: when every condition holds, assign and notify.

    conditions: [{"source": "tier"|"score"|"answer"|"capture", "key": str, "operator":
    "equals"|"in"|"gte"|"lte", "value": …}]; an empty list matches every lead.
    """

    class Action(models.TextChoices):
        ASSIGN_REP = "assign_rep", "Assign to a rep"
        ROUND_ROBIN = "round_robin", "Round-robin within a team"
        LEAST_LOADED = "least_loaded", "Least-loaded within a team"
        NOTIFY_ONLY = "notify_only", "Notify only (no assignment)"

    class ContactOwner(models.TextChoices):
        KEEP = "keep", "Keep the contact's owner"
        ROUTE_AFRESH = "afresh", "Route afresh"

    form = models.ForeignKey(
        "forms_app.Form", on_delete=models.CASCADE, related_name="routing_rules"
    )
    name = models.CharField(max_length=120)
    position = models.PositiveIntegerField(default=0)
    enabled = models.BooleanField(default=True)
    conditions = models.JSONField(default=list, blank=True)
    action = models.CharField(max_length=20, choices=Action, default=Action.ROUND_ROBIN)
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True)
    notify_slack_url = models.URLField(blank=True, max_length=500)
    notify_emails = models.CharField(
        max_length=500, blank=True, help_text="Comma-separated; 'rep' means the assigned rep."
    )
    # PROTECT: deleting an endpoint must not silently stop a rule's CRM notifications; the rules
    # that use it are changed first.
    webhook_endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rules",
    )
    stop_after = models.BooleanField(
        default=True, help_text="Do not evaluate later rules when this one matches."
    )
    contact_owner = models.CharField(
        max_length=10,
        choices=ContactOwner,
        default=ContactOwner.KEEP,
        verbose_name="Repeat leads",
        help_text="A lead from a person a rep already owns goes to that rep, or is routed "
        "like a new person's.",
    )

    class Meta:
        ordering = ["form", "position", "id"]

    def __str__(self) -> str:
        return self.name


class Notification(models.Model):
    """An outbox row: written in the lead's transaction, delivered by a task, never dropped.

    Most rows are about a lead; a few are about a webhook endpoint (the e-mail telling marketers
    it was disabled) or an invitation (the e-mail with the link to join) and have no lead. A
    webhook row names its endpoint and is sent to the endpoint's URL, signed with its secrets,
    at the time of each attempt.
    """

    class Channel(models.TextChoices):
        SLACK = "slack", "Slack"
        EMAIL = "email", "E-mail"
        WEBHOOK = "webhook", "Webhook"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        SENDING = "sending", "Sending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"
        HELD = "held", "Held (endpoint disabled)"

    # Sent with every attempt so a receiver can ignore a repeat (delivery is at least once).
    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    lead = models.ForeignKey(
        "forms_app.Lead",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    rule = models.ForeignKey(RoutingRule, on_delete=models.SET_NULL, null=True, blank=True)
    # PROTECT: an endpoint with waiting rows or a delivery log is disabled, not deleted.
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
    )
    # The e-mail with the link to join: the Team page shows whether it went out.
    invitation = models.ForeignKey(
        "forms_app.Invitation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    channel = models.CharField(max_length=10, choices=Channel)
    destination = models.CharField(max_length=1000)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # While sending: a worker that dies leaves the row here until the sweep takes it back.
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    # Of the last attempt that got an answer (or failed): for the endpoint's delivery log.
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_ms = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["endpoint", "-created_at"]),
        ]

    def __str__(self) -> str:
        if self.lead_id:
            about = f"lead {self.lead_id}"
        elif self.invitation_id:
            about = f"invitation {self.invitation_id}"
        else:
            about = f"endpoint {self.endpoint_id}"
        return f"{self.get_channel_display()} for {about}: {self.status}"


class LeadEvent(models.Model):
    """The lead's timeline beyond its own fields (submitted and scored come from the lead)."""

    class Kind(models.TextChoices):
        ROUTED = "routed", "Routed"
        UNROUTED = "unrouted", "Not routed"
        NOTIFIED = "notified", "Notified"
        NOTIFICATION_FAILED = "notification_failed", "Notification failed"
        STATUS = "status", "Outcome"
        REASSIGNED = "reassigned", "Reassigned"
        FEEDBACK = "feedback", "Score feedback"

    lead = models.ForeignKey("forms_app.Lead", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind)
    message = models.CharField(max_length=500)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.message
