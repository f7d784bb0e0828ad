"""A marketer builds routing and points conditions by picking choices, and tries the rules.

The demo form's "Company size" has choices whose labels hold commas ("201–1,000"): picked, they
are stored by value; a value that is not a choice, posted by hand, is refused with its message.
"""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from playwright.sync_api import expect

from forms_app.demo.history import demo_form_create
from forms_app.models import Lead, RepProfile, RoutingRule
from scoring.models import PointsRule
from tests.helpers.browser import log_in

DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(db):
    form = demo_form_create()
    sam = User.objects.create_user("sam", first_name="Sam", last_name="Sales")
    sam.groups.add(Group.objects.get_or_create(name="sales")[0])
    RepProfile.objects.create(user=sam, display_name="Sam Sales")
    return form


def a_lead(form, company_size: str, score: int, tier: str) -> Lead:
    return Lead.objects.create(
        form=form,
        answers={"company_size": company_size, "full_name": "Ada Lovelace"},
        capture={"utm_source": "newsletter"},
        score=score,
        tier=tier,
        created_at=timezone.now(),
    )


def doc_shot(page, name: str) -> None:
    """A whole-page screenshot for the docs, the navigation reaching the bottom (whole_page)."""
    for _ in range(2):
        height = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": 1360, "height": max(800, height)})
    page.screenshot(path=DOCS_SCREENSHOTS / f"{name}.png")
    page.set_viewport_size({"width": 1360, "height": 900})


def more_rules(form, sam) -> None:
    """A sales-ready rule, a rule turned off and a catch-all, after the one the marketer adds."""
    RoutingRule.objects.create(
        form=form,
        name="Sales-ready from LinkedIn",
        position=2,
        conditions=[
            {"source": "tier", "key": "", "operator": "in", "value": ["sales_ready"]},
            {"source": "capture", "key": "utm_source", "operator": "in", "value": ["linkedin"]},
        ],
        action=RoutingRule.Action.ASSIGN_REP,
        rep=sam,
    )
    RoutingRule.objects.create(
        form=form,
        name="Old: everyone to Sam",
        position=3,
        enabled=False,
        rep=sam,
        action=RoutingRule.Action.ASSIGN_REP,
    )
    RoutingRule.objects.create(
        form=form,
        name="Everyone else to Sam",
        position=4,
        rep=sam,
        action=RoutingRule.Action.ASSIGN_REP,
    )


def pick(page, picker: str, *, field: str, operator: str | None = None):
    """Pick the subject (and operator) of a picker; htmx draws its choices in place."""
    box = page.locator(f"#{picker}-picker")
    box.get_by_label("When").select_option(label=field)
    expect(box.get_by_label("Condition")).to_be_visible()
    settled(box)
    if operator:
        box.get_by_label("Condition").select_option(label=operator)
        # "is one of" draws the choices as checkboxes ("is" drew them as radio buttons).
        expect(box.locator("input[type=checkbox]").first).to_be_visible()
        settled(box)


def settled(box) -> None:
    """htmx has swapped the picker in and wired it (a person never picks that fast)."""
    expect(box).not_to_have_class(re.compile(r"htmx-(request|settling|added)"))


def test_a_marketer_builds_a_routing_condition_by_picking_and_tries_the_rules(
    page, live_server, demo
):
    small = a_lead(demo, "11_50", 64, "marketing_qualified")
    more_rules(demo, User.objects.get(username="sam"))
    page.set_viewport_size({"width": 1360, "height": 900})
    log_in(page, live_server, "morgan", "marketer")

    # Routing is in the navigation; with one form it opens that form's Routing tab.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Routing").click()
    expect(page.get_by_role("heading", name="Routing", exact=True)).to_be_visible()
    tabs = page.get_by_role("navigation", name="Form sections")
    expect(tabs.get_by_role("link", name="Routing")).to_have_attribute("aria-current", "page")

    page.get_by_role("link", name="Add rule").click()
    page.get_by_label("Name", exact=True).fill("Large companies to Sam")
    page.get_by_label("Position").fill("1")
    pick(page, "c0", field="Company size", operator="is one of")
    choices = page.locator("#c0-picker")
    for label in ("1–10", "11–50", "51–200", "201–1,000", "More than 1,000"):
        expect(choices.get_by_label(label, exact=True)).to_be_visible()  # labels, not values
    choices.get_by_label("201–1,000", exact=True).check()
    choices.get_by_label("More than 1,000", exact=True).check()
    page.get_by_label("Action").select_option(label="Assign to a rep")
    page.get_by_label("Rep", exact=True).select_option(label="Sam Sales")
    doc_shot(page, "routing-rule-picking")
    page.get_by_role("button", name="Save rule").click()

    expect(page.get_by_role("status")).to_contain_text("Saved rule “Large companies to Sam”")
    expect(page.locator(".rule-when").first).to_contain_text(
        "Company size is 201–1,000 or More than 1,000"
    )
    rule = RoutingRule.objects.get(name="Large companies to Sam")
    assert rule.conditions == [
        {
            "source": "answer",
            "key": "company_size",
            "operator": "in",
            "value": ["201_1000", "1000_plus"],
        },
    ]

    # Try the rules on the small company's lead: the rule did not match, and says why.
    page.get_by_label("Lead").select_option(value=str(small.pk))
    page.get_by_role("button", name="Try the rules").click()
    preview = page.locator("#routing-preview")
    expect(preview).to_contain_text("would go to Sam Sales by “Everyone else to Sam”")
    verdicts = preview.locator(".rule-verdict")
    expect(verdicts.nth(0)).to_contain_text(
        "Company size is 11–50, not one of 201–1,000 or More than 1,000"
    )
    expect(verdicts.nth(1)).to_contain_text("Tier is Marketing-qualified, not Sales-ready")
    expect(verdicts.nth(1)).to_contain_text("UTM source is “newsletter”, not linkedin")
    expect(verdicts.nth(2)).to_contain_text("Turned off")
    expect(verdicts.nth(3)).to_contain_text("Assigns Sam Sales")
    doc_shot(page, "routing-try-the-rules")

    # A large company's lead matches it and goes to Sam.
    large = a_lead(demo, "1000_plus", 90, "sales_ready")
    page.reload()
    page.get_by_label("Lead").select_option(value=str(large.pk))
    page.get_by_role("button", name="Try the rules").click()
    expect(preview).to_contain_text("would go to Sam Sales by “Large companies to Sam”")
    expect(verdicts.nth(0)).to_contain_text("Assigns Sam Sales")
    expect(verdicts.nth(1)).to_contain_text(
        "Not tried: “Large companies to Sam” matched and stops the list."
    )

    # A value that is not one of the choices, posted by hand, is refused with its message.
    page.get_by_role("link", name="Large companies to Sam").click()
    page.locator("#c0-picker").evaluate(
        """picker => picker.insertAdjacentHTML('beforeend',
            '<input type="hidden" name="c0-choices" value="201-1000">')"""
    )
    page.get_by_role("button", name="Save rule").click()
    expect(page.locator("#c0-picker")).to_contain_text(
        "“Company size” has no choice “201-1000”; pick from “1–10”, “11–50”, “51–200”,"
        " “201–1,000” or “More than 1,000”."
    )
    doc_shot(page, "routing-rule-refused")
    rule.refresh_from_db()
    assert rule.conditions[0]["value"] == ["201_1000", "1000_plus"]


def test_a_marketer_adds_a_points_rule_by_picking_a_choice_whose_label_has_a_comma(
    page, live_server, demo
):
    PointsRule.objects.filter(form=demo).delete()
    page.set_viewport_size({"width": 1360, "height": 900})
    log_in(page, live_server, "morgan", "marketer")
    page.goto(f"{live_server.url}/app/forms/{demo.slug}/scoring/")

    add = page.locator(".rule-add")
    pick(page, "condition", field="Company size", operator="is one of")
    expect(add.get_by_label("201–1,000", exact=True)).to_be_visible()
    add.get_by_label("201–1,000", exact=True).check()
    add.get_by_label("Points").fill("15")
    doc_shot(page, "points-rule-picking")
    add.get_by_role("button", name="Add rule").click()

    expect(page.locator(".rules-table")).to_contain_text("Company size is 201–1,000")
    rule = PointsRule.objects.get(form=demo)
    assert (rule.key, rule.operator, rule.value, rule.points) == (
        "company_size",
        "in",
        ["201_1000"],
        15,
    )


def test_without_javascript_a_points_rule_is_built_by_picking_too(browser, live_server, demo):
    PointsRule.objects.filter(form=demo).delete()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server, "morgan", "marketer")
    page.goto(f"{live_server.url}/app/forms/{demo.slug}/scoring/")

    add = page.locator(".rule-add")
    add.get_by_label("When").select_option(label="Company size")
    add.get_by_role("button", name="Show the choices").click()  # the page comes back, unsaved
    add.get_by_label("Condition").select_option(label="is one of")
    add.get_by_role("button", name="Show the choices").click()
    add.get_by_label("201–1,000", exact=True).check()
    add.get_by_label("More than 1,000", exact=True).check()
    add.get_by_label("Points").fill("20")
    add.get_by_role("button", name="Add rule").click()

    expect(page.locator(".rules-table")).to_contain_text(
        "Company size is 201–1,000 or More than 1,000"
    )
    assert PointsRule.objects.get(form=demo).value == ["201_1000", "1000_plus"]
    context.close()
