"""In the preview, changing an answer changes the live score and its factors; nothing is stored."""

import pytest
from playwright.sync_api import expect

from forms_app.demo.history import demo_history_create
from forms_app.models import Lead
from forms_app.scoring_adapter import form_model_train
from tests.helpers.browser import log_in, whole_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_changing_an_answer_updates_the_score_and_factors(page, live_server, demo_form, screenshot):
    demo_history_create(demo_form, count=600)
    form_model_train(form=demo_form, activate="always")
    stored = Lead.objects.count()
    page.set_viewport_size({"width": 1360, "height": 900})
    log_in(page, live_server, "morgan", "marketer")
    page.goto(f"{live_server.url}/app/forms/demo/preview/")
    score = page.get_by_test_id("score")
    factors = page.get_by_test_id("factors")
    expect(page.get_by_text("Model v1")).to_be_visible()

    page.get_by_label("Company size").select_option(label="201–1,000")
    page.get_by_label("Within 1 month").check()
    page.get_by_label("Over $50k").check()
    page.get_by_label("Your role").select_option(label="VP / Head of department")
    page.get_by_label("Work e-mail").fill("grace@hopper-compilers.example")
    page.get_by_label("Work e-mail").blur()
    expect(factors).to_contain_text("Within 1 month")
    keen_score = int(score.inner_text().split("/")[0])
    whole_page(page, screenshot, "workspace-preview")

    page.get_by_label("Just researching").check()
    page.get_by_label("Your role").select_option(label="Student")
    expect(factors).not_to_contain_text("Within 1 month")
    expect(factors).to_contain_text("Student")
    expect(score).not_to_have_text(f"{keen_score}/100")
    assert int(score.inner_text().split("/")[0]) < keen_score
    assert Lead.objects.count() == stored  # the preview stores nothing
