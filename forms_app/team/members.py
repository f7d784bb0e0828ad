"""Users and their roles, as admins manage them on the Team page; and a user's own password.

A role is a Django group (forms_app.permissions.Role). Each user has one: the Team page sets it,
replacing any other. An admin is also a superuser and staff, so "admin" means the same thing
here, in the permission checks and on the Django admin site; taking the role away takes both.
The workspace always keeps one active admin: the last one can be neither demoted nor deactivated.
"""

from dataclasses import dataclass
from datetime import datetime

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone

from forms_app.models import AccountEvent, Invitation, Notification, RepProfile
from forms_app.permissions import Role, is_admin
from forms_app.sales.reps import user_display_name

ROLE_LABELS = {
    Role.ADMIN: "Admin",
    Role.MARKETER: "Marketer",
    Role.SALES: "Sales",
}
ROLE_DESCRIPTIONS = {
    Role.ADMIN: "Everything: forms, models, the inbox, settings, the team and privacy requests.",
    Role.MARKETER: "Builds forms, sets thresholds, points and routing, trains and activates "
    "models; sees every lead.",
    Role.SALES: "Works the leads routed to them in the inbox.",
}


class TeamRefusal(Exception):
    """An action the rules of the team do not allow, said in words a person can act on."""


def user_role(user) -> Role | None:
    """The user's one role as the Team page shows it: the widest they hold.

    Read from user.groups.all(), so a prefetch of the groups serves a whole list.
    """
    if user.is_superuser:
        return Role.ADMIN
    names = {group.name for group in user.groups.all()}
    return next((role for role in Role if role.value in names), None)


def require_admin(actor) -> None:
    """Services check too: commands and tests call them without going through a view."""
    if actor is None or not is_admin(actor):
        raise PermissionDenied("Only admins manage the team.")


def account_event_record(*, user, actor, kind: AccountEvent.Kind, message: str) -> AccountEvent:
    return AccountEvent.objects.create(user=user, actor=actor, kind=kind, message=message[:300])


# --- reads --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    user: AbstractBaseUser
    name: str
    role: Role | None
    status: str  # active | invited | invitation_expired | invitation_revoked | deactivated
    invitation: Invitation | None  # the latest, if they were invited
    invitation_delivery: str  # the latest invitation e-mail's outbox status, or ""
    last_login: datetime | None
    locked_out: bool = False  # too many failed logins (django-axes), from some address

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role] if self.role else "No role"

    @property
    def is_pending(self) -> bool:
        return self.status.startswith("invit")

    @property
    def expires_in(self) -> str:
        """How long the invitation's link still works, in the largest whole unit."""
        if self.invitation is None:
            return ""
        left = (self.invitation.expires_at - timezone.now()).total_seconds()
        days = round(left / 86400) if left >= 86400 else 0
        hours = max(1, round(left / 3600))
        if days:
            return f"{days} day{'s' if days != 1 else ''}"
        return f"{hours} hour{'s' if hours != 1 else ''}"


def _status(user, invitation: Invitation | None, now: datetime) -> str:
    if user.is_active:
        return "active"
    if invitation is None or invitation.accepted_at is not None or user.has_usable_password():
        return "deactivated"
    if invitation.revoked_at is not None:
        return "invitation_revoked"
    if invitation.expires_at <= now:
        return "invitation_expired"
    return "invited"


def team_members() -> list[Member]:
    """Everyone with an account: active first, then invitations, then deactivated; by name."""
    now = timezone.now()
    users = (
        get_user_model()
        .objects.select_related("rep_profile")
        .prefetch_related(
            "groups",
            Prefetch(
                "invitations",
                queryset=Invitation.objects.select_related(
                    "invited_by__rep_profile"
                ).prefetch_related(
                    Prefetch(
                        "notifications",
                        queryset=Notification.objects.order_by("-created_at", "-id"),
                    )
                ),
            ),
        )
    )
    locked = locked_out_usernames()
    members = []
    for user in users:
        invitations = list(user.invitations.all())
        invitation = invitations[0] if invitations else None
        delivery = ""
        if invitation is not None:
            rows = list(invitation.notifications.all())
            delivery = rows[0].status if rows else ""
        members.append(
            Member(
                user=user,
                name=user_display_name(user),
                role=user_role(user),
                status=_status(user, invitation, now),
                invitation=invitation,
                invitation_delivery=delivery,
                last_login=user.last_login,
                locked_out=user.get_username() in locked,
            )
        )
    order = {"active": 0, "invited": 1, "invitation_expired": 1, "invitation_revoked": 2}
    members.sort(key=lambda m: (order.get(m.status, 3), m.name.lower()))
    return members


def locked_out_usernames() -> set[str]:
    """Usernames whose failed logins lock them out now, from at least one address."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return set(
        AccessAttempt.objects.filter(
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
        ).values_list("username", flat=True)
    )


def account_events_recent(*, limit: int = 20) -> list[AccountEvent]:
    return list(AccountEvent.objects.select_related("user", "actor")[:limit])


# --- roles ----------------------------------------------------------------------------------------


def _active_admin_ids(*, lock: bool) -> set[int]:
    users = get_user_model().objects
    ids = (
        users.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name=Role.ADMIN.value))
        .values_list("pk", flat=True)
    )
    if lock:
        # Locking the rows themselves (FOR UPDATE cannot go with the join's DISTINCT).
        return set(users.select_for_update().filter(pk__in=list(ids)).values_list("pk", flat=True))
    return set(ids)


def role_groups() -> dict[Role, Group]:
    return {role: Group.objects.get_or_create(name=role.value)[0] for role in Role}


def role_apply(*, user, role: Role) -> None:
    """Give the user this one role (groups, and superuser for admins); no checks, no record."""
    groups = role_groups()
    user.groups.remove(*[group for r, group in groups.items() if r != role])
    user.groups.add(groups[role])
    user.is_staff = user.is_superuser = role == Role.ADMIN
    user.save(update_fields=["is_staff", "is_superuser"])
    user.__dict__.pop("_formscore_roles", None)  # permissions.user_roles caches on the object
    if role == Role.SALES and user.is_active:
        rep_profile_ensure(user=user)


def rep_profile_ensure(*, user) -> RepProfile:
    """A sales user is a rep: give them a profile so they can be put on a team and routed to."""
    profile, _ = RepProfile.objects.get_or_create(
        user=user, defaults={"display_name": user.get_full_name() or user.get_username()}
    )
    return profile


def user_role_set(*, user, role: Role, actor) -> None:
    require_admin(actor)
    if user.pk == actor.pk:
        raise TeamRefusal("You cannot change your own role: ask another admin to.")
    before = user_role(user)
    if before == role:
        return
    with transaction.atomic():
        # Race: two admins demoting each other at once would each still count two admins and
        # leave none; with the admins' rows locked the second waits and counts again.
        admins = _active_admin_ids(lock=True)
        if user.pk in admins and role != Role.ADMIN and len(admins) <= 1:
            raise TeamRefusal(
                f"{user_display_name(user)} is the last admin: make someone else admin first."
            )
        role_apply(user=user, role=role)
        was = ROLE_LABELS[before].lower() if before else "no role"
        account_event_record(
            user=user,
            actor=actor,
            kind=AccountEvent.Kind.ROLE_CHANGED,
            message=f"{user_display_name(actor)} changed {user_display_name(user)}'s role "
            f"from {was} to {ROLE_LABELS[role].lower()}",
        )


# --- deactivating -------------------------------------------------------------------------------


def user_deactivate(*, user, actor) -> None:
    """Sign the user out everywhere and stop their logins, API token and new leads.

    Their leads stay theirs (reassign open ones in the inbox); their history stays. Django refuses
    an inactive user's session and token on the next request; routing skips inactive users.
    """
    require_admin(actor)
    if user.pk == actor.pk:
        raise TeamRefusal("You cannot deactivate yourself: ask another admin to.")
    if not user.is_active:
        return
    with transaction.atomic():
        admins = _active_admin_ids(lock=True)  # Race: as in user_role_set
        if user.pk in admins and len(admins) <= 1:
            raise TeamRefusal(f"{user_display_name(user)} is the last admin and stays active.")
        user.is_active = False
        user.save(update_fields=["is_active"])  # a User write bumps the routing revision
        account_event_record(
            user=user,
            actor=actor,
            kind=AccountEvent.Kind.DEACTIVATED,
            message=f"{user_display_name(actor)} deactivated {user_display_name(user)}",
        )


def user_reactivate(*, user, actor) -> None:
    require_admin(actor)
    if user.is_active:
        return
    if not user.has_usable_password():
        raise TeamRefusal(
            f"{user_display_name(user)} has not joined yet: send the invitation again."
        )
    with transaction.atomic():
        user.is_active = True
        user.save(update_fields=["is_active"])
        if user_role(user) == Role.SALES:
            rep_profile_ensure(user=user)  # made a rep while deactivated
        account_event_record(
            user=user,
            actor=actor,
            kind=AccountEvent.Kind.REACTIVATED,
            message=f"{user_display_name(actor)} reactivated {user_display_name(user)}",
        )


def user_unlock(*, user, actor) -> int:
    """Forget the user's failed logins, so the lockout ends now rather than after the cool-off.

    The failures of an address under other usernames stay: an address that guesses many
    usernames is still locked out (docs/deploy.md, "Login lockout").
    """
    require_admin(actor)
    removed = axes_reset(username=user.get_username())
    account_event_record(
        user=user,
        actor=actor,
        kind=AccountEvent.Kind.UNLOCKED,
        message=f"{user_display_name(actor)} unlocked {user_display_name(user)}'s login",
    )
    return removed


# --- the user's own account -------------------------------------------------------------------


def user_password_change(*, user, new_password: str) -> None:
    """Set the user's own new password (validated by the caller's form, against the old one)."""
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        account_event_record(
            user=user,
            actor=user,
            kind=AccountEvent.Kind.PASSWORD_CHANGED,
            message=f"{user_display_name(user)} changed their password",
        )
