"""A marketer opens the models page of a form whose leads shifted two weeks ago and reads what
moved, in light and dark colour schemes; the screenshots are kept in docs/screenshots/."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from forms_app.demo.history import demo_history_create
from forms_app.sales.drift import form_drift_check
from forms_app.scoring_adapter import leads_rescore
from tests.helpers.accessibility import axe_violations
from tests.helpers.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_drift_view_shows_the_planted_campaign_in_both_colour_schemes(
    browser, live_server, scored_demo_form, scheme
):
    # The demo history: its last two weeks bring a LinkedIn campaign of small, early companies.
    demo_history_create(scored_demo_form, count=3000)
    leads_rescore(form=scored_demo_form, scope="unscored")
    form_drift_check(form=scored_demo_form)
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1360, "height": 900})
    page = context.new_page()
    log_in(page, live_server, "morgan", "marketer")

    page.goto(f"{live_server.url}/app/forms/")
    page.get_by_test_id("drift-badge").click()

    section = page.locator("#drift")
    expect(section.get_by_test_id("drift-verdict")).to_contain_text("have shifted away")
    chart = section.get_by_role("img", name="Scores this week against the leads v1 learned from")
    expect(chart).to_be_visible()
    assert chart.bounding_box()["width"] > 300
    expect(section.locator(".chart-bar")).to_have_count(20)
    first_input = section.locator(".drift-features tbody tr").first
    expect(first_input.get_by_role("rowheader")).to_have_text("UTM source")
    expect(first_input).to_contain_text("“linkedin” rose from")
    assert axe_violations(page, within="#drift") == []

    section.screenshot(path=str(DOCS_SCREENSHOTS / f"models-drift-{scheme}.png"))

    section.get_by_text("Show as a table").click()
    expect(section.locator("details[open] tbody tr")).to_have_count(10)
    with page.expect_download() as download:
        section.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename.startswith("formscore-demo-drift-")
    context.close()
