"""A person makes an API token on the Settings page, a server uses it, and revoking it stops it."""

import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.helpers.browser import log_in, whole_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def api_status(live_server, token: str) -> int:
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/forms/demo/leads",
        headers={"Authorization": f"Token {token}", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            json.loads(response.read())
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_token_is_made_shown_once_used_and_revoked(page, live_server, demo_form, screenshot):
    log_in(page, live_server, "morgan", "marketer")
    page.goto(f"{live_server.url}/app/settings/")
    expect(page.get_by_text("You have no API token.")).to_be_visible()

    page.get_by_role("button", name="Create token").click()
    key = page.locator("#api-token").inner_text().strip()
    assert len(key) == 40
    whole_page(page, screenshot, "settings-api-token")
    assert api_status(live_server, key) == 200

    page.reload()
    expect(page.locator("#api-token")).to_have_count(0)
    expect(page.get_by_text(f"…{key[-4:]}")).to_be_visible()

    page.locator("summary", has_text="Revoke").click()  # opens the confirmation
    page.get_by_role("dialog", name="Confirm revoking the token").get_by_role(
        "button", name="Revoke"
    ).click()
    expect(page.get_by_text("API token revoked")).to_be_visible()
    expect(page.get_by_text("You have no API token.")).to_be_visible()
    assert api_status(live_server, key) == 401
