"""Invitations: an admin invites someone by e-mail; they follow the link and set a password.

The invited user is created at once, inactive and without a usable password, with the role the
admin chose. The e-mail goes through the outbox like every other notification (retried, never
dropped, visible when it failed). The link carries a random token; only its SHA-256 is stored.
A link works once, until it expires, and not after the invitation was withdrawn or sent again.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from forms_app.models import AccountEvent, Invitation, Notification
from forms_app.permissions import Role
from forms_app.sales.outbox import notifications_enqueue_with_rows
from forms_app.sales.reps import user_display_name
from forms_app.team.members import (
    ROLE_LABELS,
    TeamRefusal,
    account_event_record,
    rep_profile_ensure,
    require_admin,
    role_apply,
    user_role,
)

# Long enough for someone back from a week away; short enough that a forgotten e-mail goes stale.
INVITATION_VALID_FOR = timedelta(days=7)


class InvitationState(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    USED = "used"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class InvitationCheck:
    state: InvitationState
    invitation: Invitation | None


class InvitationUnusable(Exception):
    def __init__(self, state: InvitationState):
        super().__init__(state.value)
        self.state = state


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_link(token: str) -> str:
    return settings.SITE_URL + reverse("forms_app:invitation_accept", args=[token])


def _invitation_email(invitation: Invitation, token: str, role: Role | None) -> dict:
    inviter = user_display_name(invitation.invited_by) if invitation.invited_by else "An admin"
    as_role = f" as {ROLE_LABELS[role].lower()}" if role else ""
    until = timezone.localtime(invitation.expires_at).strftime("%d %b %Y, %H:%M %Z")
    body = (
        f"{inviter} invited you to join formscore{as_role}.\n\n"
        f"Choose your password to join:\n{invitation_link(token)}\n\n"
        f"You will log in with your e-mail address, {invitation.email}.\n"
        f"The link works once, until {until}. If you did not expect this e-mail, ignore it: "
        f"nothing happens unless the link is used.\n"
    )
    subject = " ".join(f"{inviter} invited you to formscore".split())[:150]
    return {"subject": subject, "body": body}


def _send(invitation: Invitation, *, role: Role | None) -> None:
    """A new token for the invitation, and its e-mail in the outbox; inside a transaction."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation.token_hash = _token_hash(token)
    invitation.sent_at = now
    invitation.expires_at = now + INVITATION_VALID_FOR
    invitation.revoked_at = None
    invitation.save()
    row = Notification.objects.create(
        channel=Notification.Channel.EMAIL,
        invitation=invitation,
        destination=invitation.email,
        payload=_invitation_email(invitation, token, role),
        next_attempt_at=now,
    )
    notifications_enqueue_with_rows(ids=[row.pk])


def invitation_create(*, email: str, name: str, role: Role, actor) -> Invitation:
    """Invite someone: their (inactive) account with this role, and the e-mail with the link."""
    require_admin(actor)
    email = get_user_model().objects.normalize_email(email.strip()).lower()
    users = get_user_model().objects
    with transaction.atomic():
        existing = users.filter(Q(email__iexact=email) | Q(username__iexact=email)).first()
        if existing is not None:
            if existing.is_active or existing.has_usable_password():
                raise TeamRefusal(f"{email} already has an account.")
            if existing.invitations.filter(
                accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
            ).exists():
                raise TeamRefusal(f"{email} is invited already: send the invitation again instead.")
        first, _, last = " ".join(name.split()).partition(" ")
        if existing is None:
            user = users.create_user(
                username=email, email=email, first_name=first, last_name=last, is_active=False
            )  # no password given: an unusable one
        else:
            user = existing  # invited before; the invitation lapsed or was withdrawn
            user.first_name, user.last_name = first or user.first_name, last or user.last_name
            user.save(update_fields=["first_name", "last_name"])
        role_apply(user=user, role=role)
        invitation = Invitation(user=user, email=email, invited_by=actor)
        _send(invitation, role=role)
        account_event_record(
            user=user,
            actor=actor,
            kind=AccountEvent.Kind.INVITED,
            message=f"{user_display_name(actor)} invited {email} as {ROLE_LABELS[role].lower()}",
        )
    return invitation


def _pending(invitation: Invitation) -> Invitation:
    if invitation.accepted_at is not None or invitation.user.has_usable_password():
        raise TeamRefusal(f"{invitation.email} has joined already.")
    return invitation


def invitation_resend(*, invitation: Invitation, actor) -> Invitation:
    """A new link (the old one stops working), valid for another INVITATION_VALID_FOR."""
    require_admin(actor)
    with transaction.atomic():
        # Race: accepting claims the row with a conditional UPDATE; lock it so a resend does not
        # hand out a new token for an invitation that was just accepted.
        invitation = (
            Invitation.objects.select_for_update().select_related("user").get(pk=invitation.pk)
        )
        _pending(invitation)
        _send(invitation, role=user_role(invitation.user))
        account_event_record(
            user=invitation.user,
            actor=actor,
            kind=AccountEvent.Kind.INVITATION_RESENT,
            message=f"{user_display_name(actor)} sent the invitation to {invitation.email} again",
        )
    return invitation


def invitation_revoke(*, invitation: Invitation, actor) -> Invitation:
    """Withdraw an invitation: its link stops working. The account stays, inactive, so the
    person can be invited again later."""
    require_admin(actor)
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update().select_related("user").get(pk=invitation.pk)
        )  # Race: as in invitation_resend
        _pending(invitation)
        if invitation.revoked_at is None:
            invitation.revoked_at = timezone.now()
            invitation.save(update_fields=["revoked_at"])
            account_event_record(
                user=invitation.user,
                actor=actor,
                kind=AccountEvent.Kind.INVITATION_REVOKED,
                message=f"{user_display_name(actor)} withdrew the invitation to {invitation.email}",
            )
    return invitation


def invitation_check(*, token: str) -> InvitationCheck:
    invitation = (
        Invitation.objects.select_related("user", "invited_by__rep_profile")
        .filter(token_hash=_token_hash(token))
        .first()
    )
    if invitation is None:
        return InvitationCheck(InvitationState.UNKNOWN, None)
    if invitation.accepted_at is not None or invitation.user.has_usable_password():
        state = InvitationState.USED
    elif invitation.revoked_at is not None:
        state = InvitationState.REVOKED
    elif invitation.expires_at <= timezone.now():
        state = InvitationState.EXPIRED
    else:
        state = InvitationState.VALID
    return InvitationCheck(state, invitation)


def invitation_accept(*, token: str, name: str, password: str):
    """Join: the password (validated by the caller's form) is set and the account is active."""
    now = timezone.now()
    with transaction.atomic():
        # Race: the same link submitted twice at once (two tabs, a double click): the
        # conditional UPDATE lets one of them accept it; the other finds it used.
        claimed = Invitation.objects.filter(
            token_hash=_token_hash(token), accepted_at=None, revoked_at=None, expires_at__gt=now
        ).update(accepted_at=now)
        if not claimed:
            raise InvitationUnusable(invitation_check(token=token).state)
        invitation = Invitation.objects.select_related("user").get(token_hash=_token_hash(token))
        user = invitation.user
        first, _, last = " ".join(name.split()).partition(" ")
        user.first_name, user.last_name = first, last
        user.set_password(password)
        user.is_active = True
        user.save()
        if user_role(user) == Role.SALES:
            rep_profile_ensure(user=user)
        inviter = invitation.invited_by
        account_event_record(
            user=user,
            actor=user,
            kind=AccountEvent.Kind.JOINED,
            message=f"{user_display_name(user)} joined"
            + (f", invited by {user_display_name(inviter)}" if inviter else ""),
        )
    return user
