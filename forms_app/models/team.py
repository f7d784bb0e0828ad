"""The people of the workspace beyond Django's user: invitations and what was done to accounts.

A user's role is a Django group (forms_app.permissions.Role); these rows only record how people
joined and who changed what, so the Team page can answer "who invited her, and when?".
"""

from django.conf import settings
from django.db import models


class Invitation(models.Model):
    """An invitation by e-mail: a single-use, expiring link to set a password.

    The invited user exists from the start (inactive, no usable password) so that their role is
    set once, at invite time. Only the token's SHA-256 is stored: a sent link cannot be rebuilt
    from the database, and resending makes a new token, which ends the old link.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Invitation to {self.email}"


class AccountEvent(models.Model):
    """One thing done to an account, by whom: shown as the Team page's recent activity."""

    class Kind(models.TextChoices):
        INVITED = "invited", "Invited"
        INVITATION_RESENT = "invitation_resent", "Invitation sent again"
        INVITATION_REVOKED = "invitation_revoked", "Invitation withdrawn"
        JOINED = "joined", "Joined"
        ROLE_CHANGED = "role_changed", "Role changed"
        DEACTIVATED = "deactivated", "Deactivated"
        REACTIVATED = "reactivated", "Reactivated"
        UNLOCKED = "unlocked", "Login unlocked"
        PASSWORD_CHANGED = "password_changed", "Password changed"
        PASSWORD_RESET_SENT = "password_reset_sent", "Password reset link sent"
        PROFILE_CHANGED = "profile_changed", "Profile changed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=24, choices=Kind)
    message = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.message
