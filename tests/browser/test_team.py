"""The team in a real browser: an admin invites someone by e-mail and sets their role; the
invitee follows the link from the delivered e-mail, chooses a password, joins and logs in; a user
changes their own password. Screenshots go to docs/screenshots/settings-team*.png."""

import re
import shutil
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from playwright.sync_api import expect

from forms_app.models import RepProfile
from tests.helpers.browser import PASSWORD, log_in, whole_page
from tests.helpers.team import NEW_PASSWORD, delivered_invitation_link
from tests.helpers.worker import run_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def links_point_at_the_test_server(settings, live_server):
    settings.SITE_URL = live_server.url


def log_in_as(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_an_admin_invites_a_marketer_who_joins_and_logs_in(page, live_server, browser, screenshot):
    ada = log_in(page, live_server, "ada", "admin")
    User.objects.filter(pk=ada.pk).update(
        first_name="Ada", last_name="Admin", email="ada@example.com"
    )
    sam = User.objects.create_user("sam", email="sam@example.com", password=PASSWORD)
    sam.groups.add(Group.objects.get_or_create(name="sales")[0])
    RepProfile.objects.create(user=sam, display_name="Sam Seller")

    page.goto(f"{live_server.url}/app/settings/")
    page.get_by_role("navigation", name="Settings").get_by_role(
        "link", name="Team", exact=True
    ).click()
    expect(page.get_by_role("heading", name="Invite someone")).to_be_visible()

    invite = page.locator("form[action='/app/settings/team/invite/']")
    invite.get_by_label("E-mail").fill("grace@example.com")
    invite.get_by_label("Name").fill("Grace Hopper")
    invite.get_by_label("Role").select_option(label="Sales")
    invite.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to grace@example.com.")).to_be_visible()
    grace_row = page.locator("tr", has_text="grace@example.com")
    expect(grace_row.get_by_text("Invited", exact=True)).to_be_visible()

    # On second thought, Grace will build forms: her role changes before she joins.
    page.evaluate("window.notReloaded = true")
    grace_row.get_by_label("Role of Grace Hopper").select_option(label="Marketer")
    grace_row.get_by_role("button", name="Set role of Grace Hopper").click()
    expect(page.get_by_text("Grace Hopper is now marketer.")).to_be_visible()
    assert page.evaluate("window.notReloaded") is True  # swapped in place by htmx

    link = delivered_invitation_link("grace@example.com")
    page.reload()
    expect(
        page.locator("tr", has_text="grace@example.com").get_by_text("E-mail sent")
    ).to_be_visible()

    # Grace, in her own browser.
    grace_page = browser.new_context(viewport={"width": 1000, "height": 900}).new_page()
    grace_page.goto(link)
    expect(grace_page.get_by_role("heading", name="Join formscore")).to_be_visible()
    expect(grace_page.get_by_text("Ada Admin invited you as marketer")).to_be_visible()
    grace_page.screenshot(path=str(DOCS_SCREENSHOTS / "settings-team-join.png"))
    grace_page.get_by_label("Your name").fill("Grace Hopper")
    grace_page.get_by_label("New password", exact=True).fill("password")
    grace_page.get_by_label("New password confirmation").fill("password")
    grace_page.get_by_role("button", name="Set password and join").click()
    expect(grace_page.get_by_text("This password is too common.")).to_be_visible()
    grace_page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    grace_page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    grace_page.get_by_role("button", name="Set password and join").click()

    # A marketer lands on the forms and sees what the role allows, and not the Team page.
    expect(grace_page).to_have_url(f"{live_server.url}/app/forms/")
    expect(grace_page.get_by_text("Welcome to formscore, Grace.")).to_be_visible()
    nav = grace_page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Forms", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Privacy")).to_have_count(0)
    grace_page.goto(f"{live_server.url}/app/settings/")
    expect(grace_page.get_by_text("Marketer", exact=True)).to_be_visible()
    expect(
        grace_page.get_by_role("navigation", name="Settings").get_by_role(
            "link", name="Team", exact=True
        )
    ).to_have_count(0)

    # She logs out and in again with her e-mail address and the password she chose.
    grace_page.get_by_role("button", name="Log out").click()
    log_in_as(grace_page, live_server, "grace@example.com", NEW_PASSWORD)
    expect(grace_page).to_have_url(f"{live_server.url}/app/forms/")

    # The used link now says so.
    grace_page.goto(link)
    expect(
        grace_page.get_by_role("heading", name="This invitation was used already")
    ).to_be_visible()

    # The admin sees her active, who invited her, and the activity; another invitation waits.
    page.goto(f"{live_server.url}/app/settings/team/")
    invite = page.locator("form[action='/app/settings/team/invite/']")
    invite.get_by_label("E-mail").fill("linus@example.com")
    invite.get_by_label("Name").fill("Linus Rep")
    invite.get_by_role("button", name="Send invitation").click()
    # Sam has left the company: deactivated, asked once.
    sam_row = page.locator("tr", has_text="sam@example.com")
    sam_row.locator("summary", has_text="Deactivate").click()
    sam_row.get_by_role("dialog").get_by_role("button", name="Deactivate").click()
    expect(page.get_by_text("Sam Seller is deactivated")).to_be_visible()
    sam_row = page.locator("tr", has_text="sam@example.com")
    expect(sam_row.get_by_text("Deactivated")).to_be_visible()
    expect(sam_row.get_by_role("button", name="Reactivate Sam Seller")).to_be_visible()
    grace_row = page.locator("tr", has_text="grace@example.com")
    expect(grace_row.get_by_text("Active")).to_be_visible()
    expect(grace_row.get_by_text("by Ada Admin")).to_be_visible()
    expect(page.get_by_text("Grace Hopper joined, invited by Ada Admin")).to_be_visible()
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        name = "settings-team.png" if scheme == "light" else "settings-team-dark.png"
        shutil.copyfile(
            whole_page(page, screenshot, name.removesuffix(".png")), DOCS_SCREENSHOTS / name
        )
    assert len([m for m in mail.outbox if m.to == ["grace@example.com"]]) == 1


def test_a_user_changes_their_own_password_and_logs_in_with_the_new_one(
    page, live_server, screenshot
):
    log_in(page, live_server, "sam", "sales")
    page.get_by_role("button", name="Log out").wait_for()
    page.goto(f"{live_server.url}/app/settings/")
    password = page.locator("form[action='/app/settings/password/']")
    password.get_by_label("Current password").fill("not-my-password")
    password.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    password.get_by_label("New password, again").fill(NEW_PASSWORD)
    password.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your old password was entered incorrectly")).to_be_visible()
    whole_page(page, screenshot, "settings-account-password-refused")  # test-artifacts only

    password = page.locator("form[action='/app/settings/password/']")
    password.get_by_label("Current password").fill(PASSWORD)
    password.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    password.get_by_label("New password, again").fill(NEW_PASSWORD)
    password.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Password changed.")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    log_in_as(page, live_server, "sam", PASSWORD)
    expect(page.get_by_text("Please enter a correct username and password")).to_be_visible()
    log_in_as(page, live_server, "sam", NEW_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/app/inbox/")


def test_a_user_who_forgot_their_password_chooses_a_new_one_from_the_emailed_link(
    page, live_server, screenshot
):
    sam = User.objects.create_user("sam", email="sam@example.com", password=PASSWORD)
    sam.groups.add(Group.objects.get_or_create(name="sales")[0])

    page.goto(f"{live_server.url}/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Your e-mail address").fill("sam@example.com")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()

    run_worker()
    body = [m for m in mail.outbox if m.to == ["sam@example.com"]][-1].body
    link = re.search(r"https?://\S+/password/reset/\S+/", body).group(0)
    page.goto(link)
    expect(page).not_to_have_url(link)  # the token left the address for the session
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    whole_page(page, screenshot, "password-reset-choose")  # test-artifacts only
    page.get_by_role("button", name="Set password and log in").click()
    expect(page).to_have_url(f"{live_server.url}/app/inbox/")
    expect(page.get_by_text("Your new password is set.")).to_be_visible()
