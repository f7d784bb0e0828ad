"""A marketer builds a form in a real browser and a prospect fills it; a rep is refused."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from forms_app.demo.history import demo_form_create, demo_history_create
from forms_app.models import Form, Lead
from forms_app.scoring_adapter import form_model_train, lead_score
from tests.helpers.browser import log_in, whole_page

DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def add_question(page, kind, label):
    page.get_by_label("Kind", exact=True).select_option(label=kind)  # not "Change the kind"
    page.locator("#add_label").fill(label)
    page.get_by_role("button", name="Add question").click()
    expect(page.get_by_role("status")).to_contain_text(f"Added “{label}”")


def question_labels(page):
    return page.locator("#question-list .q-label").all_inner_texts()


def test_a_marketer_builds_a_form_from_scratch_and_a_prospect_fills_it(
    page, browser, live_server, screenshot
):
    page.set_viewport_size({"width": 1360, "height": 900})
    log_in(page, live_server, "morgan", "marketer")
    expect(page).to_have_url(f"{live_server.url}/app/forms/")
    expect(page.get_by_role("heading", name="No forms yet")).to_be_visible()

    page.get_by_role("link", name="New form", exact=True).click()
    page.get_by_label("Form name").fill("Webinar sign-up")
    page.get_by_role("button", name="Create form").click()
    expect(page.get_by_role("heading", name="Webinar sign-up")).to_be_visible()

    add_question(page, "Single choice", "Team size")
    page.get_by_label("Choice 1", exact=True).fill("Just me")
    page.get_by_label("Choice 2", exact=True).fill("A team")
    page.get_by_role("button", name="Save question").click()
    add_question(page, "E-mail", "Work e-mail")
    page.get_by_label("Required").check()
    page.get_by_role("button", name="Save question").click()
    add_question(page, "Number", "Seats")
    add_question(page, "Short text", "Your name")
    assert question_labels(page) == ["Team size", "Work e-mail", "Seats", "Your name"]

    # Drag "Work e-mail" by its handle to the top; the order is saved without a reload.
    email = page.locator("#question-list .q-item", has_text="Work e-mail")
    first = page.locator("#question-list .q-item").first
    handle = email.locator(".q-handle").bounding_box()
    target = first.bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    page.mouse.move(target["x"] + 40, target["y"] + 4, steps=8)
    page.mouse.up()
    expect(page.get_by_role("status").last).to_have_text("Order saved.")
    form = Form.objects.get()
    keys = list(form.questions.values_list("key", flat=True))
    assert keys == ["work_e_mail", "team_size", "seats", "your_name"]

    # Keyboard users move questions with the buttons.
    page.get_by_role("button", name="Move “Your name” up").click()
    page.get_by_role("button", name="Move “Your name” up").click()
    expect(page.locator("#question-list .q-label")).to_have_text(
        ["Work e-mail", "Your name", "Team size", "Seats"]
    )

    # Show "Seats" only to teams.
    page.get_by_role("link", name="Edit “Seats”").click()
    page.get_by_label("Show this question").select_option(label="Only when “Team size” is…")
    page.get_by_role("checkbox", name="A team").check()
    page.get_by_label("Required").check()
    page.get_by_role("button", name="Save question").click()
    expect(page.get_by_text("Shown when Team size is A team")).to_be_visible()
    whole_page(page, screenshot, "workspace-builder")

    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published: prospects can fill it")).to_be_visible()

    prospect_context = browser.new_context()
    prospect = prospect_context.new_page()
    prospect.goto(f"{live_server.url}/f/{form.slug}/")
    prospect.get_by_label("Work e-mail").fill("ada@analytical.example")
    prospect.get_by_label("Your name").fill("Ada")
    prospect.get_by_label("Just me").check()
    prospect.get_by_role("button", name="Submit").click()
    expect(prospect.get_by_role("heading", name="Thank you")).to_be_visible()
    prospect_context.close()
    lead = Lead.objects.get()
    assert lead.answers == {
        "work_e_mail": "ada@analytical.example",
        "your_name": "Ada",
        "team_size": "just_me",
    }

    # Beside a form with a history, the list shows each form's numbers.
    demo = demo_form_create()
    demo_history_create(demo, count=600)  # 40 conversions and more: the history minimum
    form_model_train(form=demo, activate="always")
    for lead in demo.leads.filter(created_at__gte=timezone.now() - timedelta(days=30)):
        lead_score(lead)  # the list's sales-ready share counts the last 30 days
    page.goto(f"{live_server.url}/app/forms/")
    expect(page.locator(".forms-table tbody tr")).to_have_count(2)
    expect(page.locator(".forms-table")).to_contain_text("Request a demo")
    whole_page(page, screenshot, "workspace-forms-list")


INDUSTRIES = [
    "Agriculture",
    "Construction",
    "Education",
    "Energy",
    "Finance",
    "Healthcare",
    "Hospitality",
    "Logistics",
    "Manufacturing",
    "Media",
    "Public sector",
    "Software / SaaS",
]


def test_a_marketer_pastes_a_long_list_reorders_it_and_changes_its_kind(page, browser, live_server):
    page.set_viewport_size({"width": 1360, "height": 900})
    log_in(page, live_server, "morgan", "marketer")
    page.get_by_role("link", name="New form", exact=True).click()
    page.get_by_label("Form name").fill("Industry survey")
    page.get_by_role("button", name="Create form").click()
    add_question(page, "Dropdown", "Industry")

    # Twelve choices in one save: the two placeholders go, the pasted list comes in its order.
    page.get_by_label("Choice 1", exact=True).fill("")
    page.get_by_label("Choice 2", exact=True).fill("")
    page.get_by_label("Add choices, one a line").fill("\n".join(INDUSTRIES) + "\n\n")
    page.get_by_role("button", name="Save question").click()
    expect(page.get_by_role("status")).to_contain_text("Saved “Industry”")
    expect(page.locator(".choice-list input[type=text]")).to_have_count(12)

    # "Software / SaaS" is the answer most prospects pick: move it up to the top, no retyping.
    rows = page.locator(".choice-list input[type=text]")
    up = page.get_by_role("button", name="Move “Software / SaaS” up")
    for position in range(10, -1, -1):  # htmx swaps the editor in after each move
        up.click()
        expect(rows.nth(position)).to_have_value("Software / SaaS")
        if position:  # the focus stays on the moved choice's button, for keyboard users
            expect(up).to_be_focused()
    expected = ["Software / SaaS", *INDUSTRIES[:-1]]
    expect(page.get_by_role("button", name="Move “Software / SaaS” up")).to_be_disabled()

    page.get_by_label("Change the kind").select_option(label="Single choice")
    page.get_by_role("button", name="Change kind").click()
    expect(page.get_by_role("status")).to_contain_text("“Industry” is now single choice.")
    page.set_viewport_size({"width": 1360, "height": 2000})  # the sticky editor, all of it
    page.locator("#question-editor").screenshot(path=str(DOCS_SCREENSHOTS / "builder-choices.png"))
    page.set_viewport_size({"width": 1360, "height": 900})
    question = Form.objects.get().questions.get()
    assert question.kind == "single_choice"
    assert [c["label"] for c in question.choices] == expected

    page.get_by_role("button", name="Publish").click()
    prospect_context = browser.new_context()
    prospect = prospect_context.new_page()
    prospect.goto(f"{live_server.url}/f/industry-survey/")
    expect(prospect.get_by_role("radio")).to_have_count(12)
    labels = prospect.locator("input[type=radio]").evaluate_all(
        "inputs => inputs.map(i => i.labels[0].innerText.trim())"
    )
    assert labels == expected
    prospect_context.close()


def test_a_sales_rep_is_refused_the_workspace(page, live_server):
    log_in(page, live_server, "sam", "sales")
    response = page.goto(f"{live_server.url}/app/forms/")
    assert response.status == 403
    response = page.goto(f"{live_server.url}/app/forms/new/")
    assert response.status == 403
