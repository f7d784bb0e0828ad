import pytest
from django.contrib.auth.models import Group, User


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The production hasher takes about a second per password on CI's cores; these are test users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _user(username: str, group: str | None = None, **extra) -> User:
    user = User.objects.create_user(username, password="pw-for-tests-123", **extra)
    if group:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


@pytest.fixture
def marketer(db) -> User:
    return _user("morgan", "marketer", first_name="Morgan", last_name="Lee")


@pytest.fixture
def rep(db) -> User:
    return _user("sam", "sales")


@pytest.fixture
def admin_user(db) -> User:
    return _user("ada", is_superuser=True, is_staff=True)


@pytest.fixture
def marketer_client(client, marketer):
    client.force_login(marketer)
    return client


@pytest.fixture(autouse=True)
def imports_in_tmp(settings, tmp_path):
    """Uploaded CSV files go to a folder of each test's own, not to var/imports."""
    settings.STORAGES = {
        **settings.STORAGES,
        "imports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "imports")},
        },
    }
    return tmp_path / "imports"
