"""A multi-step form in a real browser: progress, conditional questions, partial and complete."""

import pytest
from playwright.sync_api import expect

from forms_app.models import Form, FormStepStat, Lead, Question
from tests.helpers.accessibility import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def trial_form(db) -> Form:
    form = Form.objects.create(
        name="Start your trial",
        slug="trial",
        status=Form.Status.PUBLISHED,
        description="Three short steps; we keep your answers as you go.",
        submit_label="Start my trial",
        resources=[{"title": "Pricing guide", "url": "https://www.example.com/pricing-guide"}],
    )
    questions = [
        ("Work e-mail", "email", {"required": True, "step": 1}),
        ("Your name", "short_text", {"required": True, "step": 1}),
        (
            "Team size",
            "dropdown",
            {
                "required": True,
                "step": 2,
                "choices": [
                    {"value": "small", "label": "1–10"},
                    {"value": "large", "label": "11 or more"},
                ],
            },
        ),
        ("Interested in", "single_choice", {"step": 2, "choices": ["Demo", "Pricing"]}),
        (
            "How many seats?",
            "number",
            {"step": 2, "condition": {"question": "interested_in", "values": ["pricing"]}},
        ),
        ("I agree to be contacted", "consent", {"required": True, "step": 3}),
    ]
    for position, (label, kind, options) in enumerate(questions):
        Question.objects.create(form=form, label=label, kind=kind, position=position, **options)
    form.refresh_from_db()
    return form


def test_a_prospect_goes_through_the_steps_and_leaving_after_the_email_keeps_a_partial_lead(
    page, live_server, trial_form, screenshot
):
    page.goto(f"{live_server.url}/f/trial/")
    expect(page.get_by_text("Step 1 of 3")).to_be_visible()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct 2 answers")

    page.get_by_label("Work e-mail").fill("ada@engines.example")
    page.get_by_label("Your name").fill("Ada")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Step 2 of 3")).to_be_visible()
    lead = Lead.objects.get()
    assert lead.is_partial and lead.answers["work_e_mail"] == "ada@engines.example"

    seats = page.get_by_label("How many seats?")
    expect(seats).to_be_hidden()  # shown only for pricing
    page.get_by_label("Pricing").check()
    expect(seats).to_be_visible()
    seats.fill("40")
    page.get_by_label("Team size").select_option(label="11 or more")
    screenshot("multi-step-desktop")
    page.set_viewport_size({"width": 375, "height": 740})
    screenshot("multi-step-mobile")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_role("button", name="Back").click()
    expect(page.get_by_label("Your name")).to_have_value("Ada")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_label("Team size")).to_have_value("large")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_text("Step 3 of 3")).to_be_visible()
    page.get_by_label("I agree to be contacted").check()
    page.get_by_role("button", name="Start my trial").click()

    expect(page.get_by_role("status")).to_contain_text("Thank you")
    done = Lead.objects.get()
    assert done.pk == lead.pk and not done.is_partial and done.completed_at
    assert done.answers["how_many_seats"] == 40 and done.answers["team_size"] == "large"
    stats = {s.step: (s.started, s.completed) for s in FormStepStat.objects.all()}
    assert stats == {1: (1, 1), 2: (1, 1), 3: (1, 1)}


def test_a_hidden_conditional_answer_is_not_sent(page, live_server, trial_form):
    page.goto(f"{live_server.url}/f/trial/")
    page.get_by_label("Work e-mail").fill("ada@engines.example")
    page.get_by_label("Your name").fill("Ada")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Pricing").check()
    page.get_by_label("How many seats?").fill("40")
    page.get_by_label("Demo").check()
    page.get_by_label("Team size").select_option(label="1–10")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Step 3 of 3")).to_be_visible()
    assert "how_many_seats" not in Lead.objects.get().answers


def test_the_steps_work_without_javascript_and_every_question_shows(
    browser, live_server, trial_form
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/f/trial/")
    page.get_by_label("Work e-mail").fill("ada@engines.example")
    page.get_by_label("Your name").fill("Ada")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_label("How many seats?")).to_be_visible()
    page.get_by_label("Team size").select_option(label="1–10")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("I agree to be contacted").check()
    page.get_by_role("button", name="Start my trial").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    assert "/next/" in page.url
    lead = Lead.objects.get()
    assert not lead.is_partial
    context.close()


def test_a_marketing_qualified_prospect_sees_the_resources(
    page, live_server, trial_form, screenshot
):
    # The tier comes from scoring; here it is set so the page for that tier can be looked at.
    lead = Lead.objects.create(
        form=trial_form, answers={}, created_at="2026-11-27T12:00:00Z", tier="marketing_qualified"
    )
    page.goto(f"{live_server.url}/f/trial/next/{lead.public_id}/")
    expect(page.get_by_role("link", name="Pricing guide")).to_have_attribute(
        "href", "https://www.example.com/pricing-guide"
    )
    screenshot("next-step-marketing-qualified-desktop")
    page.set_viewport_size({"width": 375, "height": 740})
    screenshot("next-step-marketing-qualified-mobile")


def test_a_new_step_starts_at_its_first_question(page, live_server, trial_form):
    page.goto(f"{live_server.url}/f/trial/")
    page.get_by_label("Work e-mail").fill("ada@engines.example")
    page.get_by_label("Your name").fill("Ada")
    page.get_by_label("Your name").press("Enter")
    expect(page.get_by_text("Step 2 of 3")).to_be_visible()
    expect(page.get_by_label("Team size")).to_be_focused()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_step_of_a_multi_step_form_has_no_accessibility_violation(
    browser, live_server, trial_form, scheme
):
    context = browser.new_context(color_scheme=scheme, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server.url}/f/trial/?embed=1")
    found = {"step 1": axe_violations(page)}
    page.get_by_label("Work e-mail").fill("ada@engines.example")
    page.get_by_label("Your name").fill("Ada")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Step 2 of 3")).to_be_visible()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct 1 answer")
    found["step 2 with a mistake"] = axe_violations(page)
    page.get_by_label("Team size").select_option(label="1–10")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Step 3 of 3")).to_be_visible()
    found["step 3"] = axe_violations(page)
    context.close()
    assert not any(found.values()), found
