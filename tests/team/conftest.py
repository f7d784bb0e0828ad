"""Personas of a small team: an admin, a marketer and a rep."""

import pytest
from django.contrib.auth.models import Group, User

from forms_app.models import RepProfile
from tests.helpers.team import PASSWORD


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2 takes about a second per persona; the tests are not about hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _user(username: str, full_name: str, group: str | None, **extra) -> User:
    first, _, last = full_name.partition(" ")
    user = User.objects.create_user(
        username,
        email=f"{username}@example.com",
        password=PASSWORD,
        first_name=first,
        last_name=last,
        **extra,
    )
    if group:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    if group == "sales":
        RepProfile.objects.create(user=user, display_name=full_name)
    return user


@pytest.fixture
def ada(db) -> User:
    """The workspace's admin (a superuser, as `createsuperuser` makes one)."""
    return _user("ada", "Ada Admin", None, is_superuser=True, is_staff=True)


@pytest.fixture
def morgan(db) -> User:
    return _user("morgan", "Morgan Marketer", "marketer")


@pytest.fixture
def sam(db) -> User:
    return _user("sam", "Sam Seller", "sales")
