"""A marketer opens the models page and reads why the active model can be trusted, in light and in
dark colour schemes; the screenshots are kept in docs/screenshots/."""

import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from forms_app.demo.history import demo_history_create
from forms_app.models import Lead, Question
from forms_app.scoring_adapter import form_model_train
from tests.helpers.browser import ARTIFACTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_evidence_panel_draws_its_charts_in_both_colour_schemes(
    browser, live_server, scored_demo_form, scheme
):
    demo_history_create(scored_demo_form, count=300)
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1360, "height": 900})
    page = context.new_page()
    log_in(page, live_server, "morgan", "marketer")
    page.goto(f"{live_server.url}/app/forms/demo/models/")

    panel = page.locator("#evidence")
    expect(panel.get_by_role("heading", name="Why trust v1?")).to_be_visible()
    expect(panel.get_by_test_id("verdict")).to_contain_text("better than")
    for name in ["Conversion by score decile", "Calibration", "What drives the score"]:
        chart = panel.get_by_role("img", name=f"{name}, v1")
        expect(chart).to_be_visible()
        assert chart.bounding_box()["width"] > 300
    expect(panel.locator(".chart-bar")).to_have_count(10 + 2 + len(_drivers(scored_demo_form)))
    expect(panel.locator(".chart-dot")).to_have_count(10)

    # The panel as the docs show it, then the whole page for a person to look at.
    panel.screenshot(path=str(DOCS_SCREENSHOTS / f"models-evidence-{scheme}.png"))
    _whole_page(page, f"models-evidence-page-{scheme}")

    # The numbers behind a chart are one click away.
    panel.get_by_text("Show as a table").first.click()
    expect(panel.locator("details[open] tbody tr")).to_have_count(10)
    context.close()


def _drivers(form) -> list:
    return form.model_versions.get().metrics["drivers"]


def _whole_page(page, name: str) -> None:
    """As tests.helpers.browser.whole_page, for a page of this test's own colour-scheme context."""
    ARTIFACTS.mkdir(exist_ok=True)
    for _ in range(2):  # the page grows with the viewport once
        height = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": 1360, "height": max(800, height)})
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    page.set_viewport_size({"width": 1360, "height": 900})


def test_a_version_with_a_leak_is_refused_and_the_page_says_why(
    browser, live_server, demo_form, settings
):
    """A deal stage the marketer said was known: the model looks perfect, the gate refuses it."""
    settings.FORMSCORE_MIN_CONVERTED = settings.FORMSCORE_MIN_NOT_CONVERTED = 40
    demo_history_create(demo_form, count=900)
    Question.objects.create(
        form=demo_form,
        label="Deal stage",
        kind=Question.Kind.DROPDOWN,
        choices=[{"label": "Won"}, {"label": "Lost"}],
        position=99,
        feeds_score=True,
        known_at_arrival=True,
    )
    converted = demo_form.converted_statuses()
    leads = list(Lead.objects.filter(form=demo_form))
    for lead in leads:
        lead.answers["deal_stage"] = "won" if lead.status in converted else "lost"
    Lead.objects.bulk_update(leads, ["answers"])

    outcome = form_model_train(form=demo_form)

    assert not outcome.activated
    assert outcome.version.metrics["verdict"]["kind"] == "leakage"
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    log_in(page, live_server, "morgan", "marketer")
    page.goto(f"{live_server.url}/app/forms/demo/models/?evidence={outcome.version.number}")

    panel = page.locator("#evidence")
    verdict = panel.get_by_test_id("verdict")
    expect(verdict).to_contain_text("Do not activate: suspected leakage in Deal stage")
    expect(panel.get_by_role("button", name="Leave it out")).to_be_visible()
    panel.screenshot(path=str(DOCS_SCREENSHOTS / "models-evidence-leak.png"))
    context.close()


def test_a_young_form_shows_its_progress_toward_the_first_model(page, live_server, demo_form):
    """Cold start: the points system scores until the one minimum; the page says how far it is."""
    Lead.objects.bulk_create(
        Lead(form=demo_form, answers={}, capture={}, created_at=timezone.now(), status=status)
        for status in ["won"] * 12 + ["lost"] * 230
    )
    log_in(page, live_server, "morgan", "marketer")
    page.goto(f"{live_server.url}/app/forms/demo/models/")

    panel = page.locator("#cold-start")
    expect(panel).to_contain_text(
        "The points system scores this form until it has 40 converted and 40 not-converted"
        " leads with an outcome: 12 of 40 converted, 230 of 40 not converted."
    )
    converted = page.get_by_role("progressbar", name="Converted leads with an outcome", exact=True)
    expect(converted).to_have_attribute("aria-valuenow", "12")
    expect(converted).to_have_attribute("aria-valuetext", "12 of 40 converted")
    train = page.get_by_role("button", name="Train now")
    expect(train).to_be_disabled()
    expect(train).to_have_accessible_description(re.compile("^The points system scores"))
    page.locator(".active-model").screenshot(path=str(DOCS_SCREENSHOTS / "models-cold-start.png"))
