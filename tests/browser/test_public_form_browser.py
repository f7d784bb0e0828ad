"""A prospect fills the demo form in a real browser."""

import pytest
from playwright.sync_api import expect

from forms_app.models import Lead
from tests.helpers.browser import fill_demo_form

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_prospect_fills_the_demo_form_and_sees_the_thank_you(
    page, live_server, demo_form, screenshot
):
    page.goto(f"{live_server.url}/f/demo/?utm_source=newsletter")
    screenshot("public-form-desktop")
    fill_demo_form(page)
    page.get_by_role("button", name="Request my demo").click()

    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    lead = Lead.objects.get()
    assert lead.answers["timeline"] == "within_1_month"
    assert lead.capture["utm_source"] == "newsletter"
    screenshot("public-form-thank-you")


def test_mistakes_are_shown_next_to_their_fields_and_nothing_is_stored(
    page, live_server, demo_form
):
    page.goto(f"{live_server.url}/f/demo/")
    fill_demo_form(page)
    page.get_by_label("Work e-mail").fill("not an address")
    page.get_by_role("button", name="Request my demo").click()

    expect(page.locator("#id_work_email_error")).to_have_text("Enter a valid email address.")
    expect(page.get_by_label("Work e-mail")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert")).to_contain_text("Please correct 1 answer")
    assert Lead.objects.count() == 0

    page.get_by_label("Work e-mail").fill("grace@hopper.example")
    page.get_by_role("button", name="Request my demo").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    assert Lead.objects.count() == 1


def test_the_form_submits_without_javascript(browser, live_server, demo_form):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/f/demo/")
    fill_demo_form(page)
    page.get_by_role("button", name="Request my demo").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    assert "/next/" in page.url
    assert Lead.objects.count() == 1
    context.close()
