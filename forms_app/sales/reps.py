"""Reps and teams: who can be assigned leads, how they are named, and their profiles; and who the
workspace's marketers are (they hear about promotions and disabled webhook endpoints)."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from forms_app.models import AccountEvent, RepProfile, Team


def user_display_name(user) -> str:
    profile = getattr(user, "rep_profile", None)
    return profile.display_name if profile else (user.get_full_name() or user.get_username())


def reps_for_assignment() -> list:
    """Users who can be assigned leads: active users with a rep profile or in the sales group."""
    return list(
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(rep_profile__isnull=False) | Q(groups__name="sales"))
        .select_related("rep_profile")
        .distinct()
        .order_by("first_name", "username")
    )


def marketer_emails() -> list[str]:
    """Addresses of the active users in the marketer group, each once."""
    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name="marketer")
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )


def rep_profile_save(
    *, user, display_name: str, booking_url: str, active: bool, capacity: int, teams: list[Team]
):
    with transaction.atomic():
        profile, _ = RepProfile.objects.update_or_create(
            user=user,
            defaults={
                "display_name": display_name,
                "booking_url": booking_url,
                "active": active,
                "capacity": capacity,
            },
        )
        user.sales_teams.set(teams)
    return profile


def team_save(*, team: Team | None, name: str, members: list) -> Team:
    with transaction.atomic():
        team = team or Team()
        team.name = name
        team.save()
        team.members.set(members)
    return team


def rep_profile_update(*, user, display_name: str, booking_url: str) -> RepProfile:
    """A rep's own edit: how prospects see them. Capacity, teams and active stay the managers'."""
    with transaction.atomic():
        profile, created = RepProfile.objects.get_or_create(
            user=user, defaults={"display_name": display_name, "booking_url": booking_url}
        )
        if not created:
            profile.display_name, profile.booking_url = display_name, booking_url
            profile.save(update_fields=["display_name", "booking_url"])  # bumps the revision
        AccountEvent.objects.create(
            user=user,
            actor=user,
            kind=AccountEvent.Kind.PROFILE_CHANGED,
            message=f"{display_name} changed their name or booking link",
        )
    return profile
