"""Guessing passwords: after too many failures a username from an address, or an address, is
locked out of the workspace login and the admin for a while, with a message that says what to do;
an admin can unlock it sooner."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

PASSWORD = "pw-for-tests-123"
ADA_AT = {"REMOTE_ADDR": "203.0.113.9"}
BOB_AT = {"REMOTE_ADDR": "198.51.100.7"}
LOCKED = "Too many failed attempts; try again in 15 minutes or ask an admin to unlock"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Forty failed logins with PBKDF2 take half a minute; the tests are not about hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def ada(db) -> User:
    user = User.objects.create_user("ada", password=PASSWORD, is_staff=True, is_superuser=True)
    user.groups.add(Group.objects.get_or_create(name="marketer")[0])
    return user


@pytest.fixture
def bob(db) -> User:
    user = User.objects.create_user("bob", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="marketer")[0])
    return user


def log_in(client, username, password, *, at, url="/login/"):
    return client.post(url, {"username": username, "password": password, "next": "/"}, **at)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def guess(client, username, times=40, *, at=ADA_AT, url="/login/"):
    for attempt in range(times):
        log_in(client, username, f"guess-{attempt}", at=at, url=url)


@pytest.mark.parametrize("url", ["/login/", "/admin/login/"], ids=["workspace", "admin"])
def test_forty_wrong_passwords_then_the_right_one_is_refused(client, ada, url):
    guess(client, "ada", url=url)

    response = log_in(client, "ada", PASSWORD, at=ADA_AT, url=url)

    assert response.status_code == 429
    assert not logged_in(client)


def test_the_locked_out_page_says_why_and_what_to_do(client, ada):
    guess(client, "ada", times=10)
    response = log_in(client, "ada", PASSWORD, at=ADA_AT)
    html = response.content.decode()
    assert LOCKED in html
    assert 'href="/login/"' in html


def test_a_few_mistakes_do_not_lock_anyone_out(client, ada):
    guess(client, "ada", times=9)
    assert log_in(client, "ada", PASSWORD, at=ADA_AT).status_code == 302
    assert logged_in(client)


def test_another_user_from_another_address_is_not_locked_out(client, ada, bob):
    guess(client, "ada")

    response = log_in(Client(), "bob", PASSWORD, at=BOB_AT)

    assert response.status_code == 302


def test_one_address_guessing_many_usernames_is_locked_out(client, ada):
    for name in ("root", "admin", "administrator", "sam", "sales1", "marketer", "x", "y", "z", "w"):
        log_in(client, name, "guess", at=ADA_AT)

    assert log_in(client, "ada", PASSWORD, at=ADA_AT).status_code == 429


def test_the_lockout_ends_after_the_cool_off(client, ada):
    from axes.models import AccessAttempt

    guess(client, "ada", times=10)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    assert log_in(client, "ada", PASSWORD, at=ADA_AT).status_code == 302


def test_an_admin_unlocks_an_account_in_the_admin(client, ada, bob):
    guess(client, "bob", at=BOB_AT)
    admin = Client()
    admin.force_login(ada)
    listed = admin.get("/admin/axes/accessattempt/")
    assert "bob" in listed.content.decode()

    from axes.models import AccessAttempt

    selected = [str(pk) for pk in AccessAttempt.objects.values_list("pk", flat=True)]
    admin.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": selected, "post": "yes"},
    )

    assert log_in(client, "bob", PASSWORD, at=BOB_AT).status_code == 302


def test_an_admin_unlocks_an_account_from_the_command_line(client, bob):
    guess(client, "bob", at=BOB_AT)

    call_command("axes_reset_username", "bob")

    assert log_in(client, "bob", PASSWORD, at=BOB_AT).status_code == 302


def test_behind_a_proxy_the_lockout_holds_the_guessing_client_not_everyone(
    client, ada, bob, settings
):
    settings.FORMSCORE_TRUSTED_PROXIES = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    guess(client, "ada", at={**proxy, "HTTP_X_FORWARDED_FOR": "203.0.113.9"})

    colleague = log_in(
        Client(), "bob", PASSWORD, at={**proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    )
    guesser = log_in(Client(), "ada", PASSWORD, at={**proxy, "HTTP_X_FORWARDED_FOR": "203.0.113.9"})

    assert colleague.status_code == 302
    assert guesser.status_code == 429
