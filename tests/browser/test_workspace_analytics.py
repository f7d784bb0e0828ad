"""A marketer reads a form's analytics on a year of demo history and switches the period."""

import pytest
from playwright.sync_api import expect

from forms_app.demo.history import demo_history_create
from forms_app.scoring_adapter import leads_rescore
from tests.helpers.browser import log_in, whole_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_analytics_tab_shows_a_year_and_a_month(
    page, live_server, scored_demo_form, screenshot
):
    demo_history_create(scored_demo_form, count=1500)
    leads_rescore(form=scored_demo_form, scope="unscored")
    page.set_viewport_size({"width": 1360, "height": 900})
    log_in(page, live_server, "morgan", "marketer")
    page.goto(f"{live_server.url}/app/forms/demo/")
    page.get_by_role("link", name="Analytics").click()
    page.get_by_role("link", name="12 months").click()

    expect(page.get_by_role("heading", name="Does the score rank leads?")).to_be_visible()
    bands = page.locator(".score-bands tbody tr")
    expect(bands).to_have_count(10)
    expect(page.locator(".day-bar")).to_have_count(365)
    expect(page.locator(".kpis")).to_contain_text("Submissions")
    expect(page.get_by_role("row", name="Sales-ready").first).to_contain_text("%")
    whole_page(page, screenshot, "workspace-analytics")

    page.get_by_role("link", name="30 days").click()
    expect(page.locator(".day-bar")).to_have_count(30)
    expect(page.get_by_role("link", name="30 days")).to_have_attribute("aria-current", "page")
