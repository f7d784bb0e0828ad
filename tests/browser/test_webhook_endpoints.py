"""A marketer sets up a webhook endpoint, reads its delivery log, sends a failed delivery again,
enables it after it was disabled and rotates its secret — in a real browser."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from forms_app.models import Lead, Notification, WebhookEndpoint
from tests.helpers.browser import log_in, whole_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def delivery_history(endpoint: WebhookEndpoint, form) -> None:
    """Three leads sent to the endpoint: one delivered, one failed, one waiting while disabled."""
    now = timezone.now()
    for minutes, status, error, answer in [
        (50, "delivered", "", (200, 84)),
        (20, "failed", "HTTP 500", (500, 1210)),
        (5, "held", "", (None, None)),
    ]:
        moment = now - timedelta(minutes=minutes)
        lead = Lead.objects.create(form=form, created_at=moment, answers={"full_name": "Ada"})
        Notification.objects.create(
            lead=lead,
            endpoint=endpoint,
            channel="webhook",
            destination=endpoint.url,
            payload={"type": "lead.created", "timestamp": moment.isoformat(), "data": {}},
            status=status,
            attempts=0 if status == "held" else (6 if status == "failed" else 1),
            next_attempt_at=moment,
            last_attempt_at=None if status == "held" else moment,
            last_error=error,
            response_status=answer[0],
            response_ms=answer[1],
        )
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        state="disabled",
        consecutive_failures=20,
        disabled_at=now - timedelta(minutes=10),
        disabled_reason="20 failed attempts in a row; the last: HTTP 500",
    )


def test_a_marketer_runs_a_webhook_endpoint(page, live_server, demo_form, screenshot):
    log_in(page, live_server, "morgan", "marketer")
    page.goto(f"{live_server.url}/app/webhooks/")
    expect(page.get_by_text("No webhook endpoints yet")).to_be_visible()

    page.get_by_role("link", name="New endpoint").first.click()
    page.get_by_label("URL").fill("https://crm.example.com/hooks/formscore")
    page.get_by_role("button", name="Create endpoint").click()
    expect(page.get_by_role("heading", name="crm.example.com")).to_be_visible()
    first_secret = page.locator("#new-secret").inner_text().strip()
    assert first_secret.startswith("whsec_")

    endpoint = WebhookEndpoint.objects.get()
    delivery_history(endpoint, demo_form)
    page.reload()
    expect(page.locator("#new-secret")).to_have_count(0)  # shown once
    expect(page.get_by_text("20 failed attempts in a row; the last: HTTP 500")).to_be_visible()
    rows = page.locator(".delivery-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(1)).to_contain_text("Failed")
    expect(rows.nth(1)).to_contain_text("1210 ms")
    whole_page(page, screenshot, "webhook-endpoint-disabled")

    rows.nth(1).get_by_role("button", name="Send again").click()  # htmx swaps the row
    expect(rows.nth(1)).to_contain_text("Waiting")
    expect(rows.nth(1).get_by_role("button", name="Send again")).to_have_count(0)

    page.get_by_role("button", name="Enable and send 1 waiting").click()
    expect(page.get_by_text("Enabled. 1 waiting delivery is being sent.")).to_be_visible()
    expect(page.locator("h1 .badge")).to_have_text("Active")
    assert set(endpoint.notifications.values_list("status", flat=True)) == {
        "delivered",
        "pending",
    }

    page.locator("summary", has_text="Rotate secret").click()
    page.get_by_role("dialog", name="Confirm rotating the secret").get_by_role(
        "button", name="Rotate secret"
    ).click()
    second_secret = page.locator("#new-secret").inner_text().strip()
    assert second_secret.startswith("whsec_") and second_secret != first_secret
    expect(page.get_by_text("signs too until")).to_be_visible()
    whole_page(page, screenshot, "webhook-endpoint-rotated")

    page.goto(f"{live_server.url}/app/webhooks/")
    expect(page.locator(".endpoints-table tbody tr")).to_contain_text("crm.example.com")
    whole_page(page, screenshot, "webhook-endpoints")
