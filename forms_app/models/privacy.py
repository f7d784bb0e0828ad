"""The privacy log: who exported, erased or anonymised whose leads, and when."""

from django.conf import settings
from django.db import models


class PrivacyAction(models.Model):
    """One privacy action, kept after the data it was about is gone.

    The person is recorded as a keyed fingerprint of their e-mail address, never the address:
    after an erasure the log can still answer "was this address erased, when, by whom?" for an
    address someone types in, but reading the log does not reveal whom it was about.
    """

    class Action(models.TextChoices):
        EXPORT = "export", "Export"
        ERASE = "erase", "Erasure"
        RETENTION = "retention", "Retention"

    action = models.CharField(max_length=10, choices=Action)
    # Empty for retention, which the system runs on its own.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Kept when the user is deleted, so the log still says who it was.
    actor_name = models.CharField(max_length=150, blank=True)
    # Export and erasure: the e-mail's fingerprint (forms_app.privacy.email_fingerprint).
    email_fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    # Retention: the form whose period it applied.
    form = models.ForeignKey(
        "forms_app.Form", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    leads_affected = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} of {self.leads_affected} leads by {self.actor_name}"
