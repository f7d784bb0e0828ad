"""A sales manager checks whether the model still beats the points rules, what sales made of
each tier, and tries a lower sales-ready threshold before saving it."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db.models import F
from django.utils import timezone
from playwright.sync_api import expect

from forms_app.demo.history import demo_history_create
from forms_app.models import Lead, RepProfile
from forms_app.scoring_adapter import leads_rescore
from scoring.models import ModelVersion
from tests.helpers.browser import ARTIFACTS, log_in, whole_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def worked_history(scored_demo_form):
    """A year of demo history, scored, worked by two reps, the model live for six months."""
    form = scored_demo_form
    demo_history_create(form, count=1500)
    leads_rescore(form=form, scope="unscored")
    reps = []
    for username, name in (("ana", "Ana Diaz"), ("ben", "Ben Okafor")):
        user = User.objects.create_user(username)
        RepProfile.objects.create(user=user, display_name=name)
        reps.append(user)
    ids = list(form.leads.order_by("pk").values_list("pk", flat=True))
    # Routing's split: two leads in three to Ana, one to Ben.
    Lead.objects.filter(pk__in=ids[::3]).update(assigned_to=reps[1])
    Lead.objects.exclude(pk__in=ids[::3]).update(assigned_to=reps[0])
    Lead.objects.filter(form=form, tier=Lead.Tier.SALES_READY).update(
        sla_due_at=F("created_at") + timedelta(hours=1)
    )
    ModelVersion.objects.filter(form=form).update(activated_at=timezone.now() - timedelta(days=182))
    return form


def test_the_performance_tab_and_the_what_if_threshold(
    page, live_server, worked_history, screenshot
):
    page.set_viewport_size({"width": 1360, "height": 900})
    log_in(page, live_server, "morgan", "marketer")
    page.goto(f"{live_server.url}/app/forms/demo/")
    page.get_by_role("link", name="Performance").click()

    track = page.locator("#dual-track")
    expect(
        track.get_by_role("heading", name="Model against points rules, month by month")
    ).to_be_visible()
    expect(page.get_by_test_id("dual-track-verdict")).to_contain_text("months")
    expect(track.locator("svg[role=img] title")).to_have_count(1)
    expect(track.locator("tbody tr")).to_have_count(7)  # six months and the current one
    track.screenshot(path=str(ARTIFACTS / "dual-track.png"))

    outcomes = page.locator("#sales-outcomes")
    expect(outcomes.get_by_test_id("outcomes-reps")).to_contain_text("Ana Diaz")
    expect(outcomes.get_by_test_id("outcomes-tiers")).to_contain_text("$")
    outcomes.screenshot(path=str(ARTIFACTS / "sales-outcomes.png"))
    whole_page(page, screenshot, "performance-tab")
    page.emulate_media(color_scheme="dark")
    track.screenshot(path=str(ARTIFACTS / "dual-track-dark.png"))
    page.emulate_media(color_scheme="light")

    page.get_by_role("link", name="Thresholds & points").click()
    per_week = page.get_by_test_id("what-if-per-week")
    before = per_week.inner_text()
    slider = page.locator("#what-if-threshold")
    slider.focus()
    for _ in range(15):
        slider.press("ArrowLeft")
    expect(page.get_by_test_id("what-if-threshold")).to_have_text("Score 65+")
    expect(per_week).not_to_have_text(before)
    expect(page.get_by_role("button", name="Save sales-ready from 65")).to_be_visible()
    page.locator("#what-if").screenshot(path=str(ARTIFACTS / "what-if-thresholds.png"))

    page.get_by_role("button", name="Save sales-ready from 65").click()
    expect(page.get_by_text("Thresholds saved: sales-ready from 65")).to_be_visible()
    worked_history.refresh_from_db()
    assert worked_history.sales_ready_threshold == 65
