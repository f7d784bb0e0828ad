"""A sales manager works the inbox in a real browser: searches it, reassigns and closes several
leads at once, sees a refused action say why next to its control; and the forms list, Analytics
and the API give the same numbers for one period. Screenshots: docs/screenshots/inbox-*.png."""

import random
import re
import shutil
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from playwright.sync_api import expect
from rest_framework.authtoken.models import Token

from forms_app.demo.history import demo_lead
from forms_app.models import Contact, Lead, RepProfile
from forms_app.sales.learning import outcomes_since_training
from forms_app.workspace.lead_counts import period_start
from tests.helpers.browser import log_in, whole_page

DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PEOPLE = [
    ("Ada Lovelace", "Analytical Engines", 96, "sales_ready", 12),
    ("Grace Hopper", "Compilers Inc", 88, "sales_ready", 75),
    ("Katherine Johnson", "Orbital Maths", 71, "marketing_qualified", 240),
    ("Alan Turing", "Bletchley Labs", 64, "marketing_qualified", 3000),
    ("Edsger Dijkstra", "Shortest Path BV", 42, "nurture", 6000),
    ("Barbara Liskov", "Substitution Ltd", 23, "nurture", 15000),
]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def sales_rep(username: str, name: str) -> User:
    first, _, last = name.partition(" ")
    user = User.objects.create_user(username, first_name=first, last_name=last)
    user.groups.add(Group.objects.get_or_create(name="sales")[0])
    RepProfile.objects.create(user=user, display_name=name)
    return user


def people_in_the_inbox(form) -> tuple[User, User]:
    sam, dana = sales_rep("sam", "Sam Sales"), sales_rep("dana", "Dana Diaz")
    rng = random.Random(7)
    now = timezone.now()
    for n, (name, company, score, tier, minutes_ago) in enumerate(PEOPLE):
        created = now - timedelta(minutes=minutes_ago)
        answers, capture, _ = demo_lead(rng, created)
        email = f"{name.split()[0].lower()}@{company.split()[0].lower()}.example"
        answers.update(full_name=name, company=company, work_email=email)
        contact = Contact.objects.create(
            email=email,
            email_normalized=email,
            name=name,
            company=company,
            company_domain=email.split("@")[1],
        )
        Lead.objects.create(
            form=form,
            contact=contact,
            answers=answers,
            capture=capture,
            created_at=created,
            score=score,
            tier=tier,
            scored_at=created,
            assigned_to=sam if n % 2 == 0 else None,
            sla_due_at=created + timedelta(hours=24),
        )
    return sam, dana


def test_a_manager_searches_the_inbox_and_closes_leads_in_bulk(
    page, live_server, demo_form, screenshot
):
    shots = []
    people_in_the_inbox(demo_form)
    page.set_viewport_size({"width": 1360, "height": 900})
    log_in(page, live_server, "morgan", "marketer")
    page.goto(f"{live_server.url}/app/inbox/")
    rows = page.locator("tr.inbox-row")
    expect(rows).to_have_count(len(PEOPLE))

    # Search as you type: the list narrows, the address keeps the search, back undoes it.
    page.get_by_role("searchbox", name="Search").fill("engines")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Ada Lovelace")
    expect(page).to_have_url(f"{live_server.url}/app/inbox/?q=engines&status=open")
    page.get_by_role("searchbox", name="Search").fill("example")
    page.get_by_label("Tier").select_option(label="Marketing-qualified")
    expect(rows).to_have_count(2)
    expect(page.get_by_role("link", name="Clear filters")).to_be_visible()
    shots.append(whole_page(page, screenshot, "inbox-search"))
    page.go_back()
    expect(rows).to_have_count(1)
    page.get_by_role("link", name="Clear filters").click()
    expect(rows).to_have_count(len(PEOPLE))
    page.get_by_role("searchbox", name="Search").fill("nobody at all")
    expect(page.get_by_role("heading", name="No leads here")).to_be_visible()
    page.get_by_role("link", name="Clear filters").last.click()
    expect(rows).to_have_count(len(PEOPLE))

    # Bulk reassign: pick two people, give them to Dana.
    page.get_by_label("Select Grace Hopper").check()
    page.get_by_label("Select Alan Turing").check()
    expect(page.locator("[data-selected-count]")).to_have_text("2 leads selected")
    page.get_by_label("Reassign to").select_option(label="Dana Diaz")
    page.get_by_role("button", name="Reassign").click()
    expect(page.get_by_role("status").filter(has_text="reassigned")).to_have_text(
        "2 leads reassigned to Dana Diaz."
    )
    assert set(
        Lead.objects.filter(contact__name__in=["Grace Hopper", "Alan Turing"]).values_list(
            "assigned_to__username", flat=True
        )
    ) == {"dana"}

    # Bulk outcome: every sales-ready lead on the page is won, at $24,000 each.
    page.get_by_label("Tier").select_option(label="Sales-ready")
    expect(rows).to_have_count(2)
    page.get_by_label("Select every lead on this page").check()
    expect(page.locator("[data-selected-count]")).to_have_text("2 leads selected")
    page.get_by_label("Mark as").select_option(label="Won")
    expect(page.get_by_label("Reason")).to_be_hidden()
    page.get_by_label("Amount each").fill("$24,000")
    shots.append(whole_page(page, screenshot, "inbox-bulk"))
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("status").filter(has_text="marked won")).to_have_text(
        "2 leads marked won ($24,000.00 each, $48,000.00 in all)."
    )
    expect(page.get_by_role("heading", name="No leads here")).to_be_visible()  # none open left
    won = Lead.objects.filter(status="won")
    assert won.count() == 2 and {lead.won_amount for lead in won} == {Decimal("24000")}
    assert outcomes_since_training(demo_form) == 2

    for shot in shots:
        shutil.copy(shot, DOCS_SCREENSHOTS / shot.name)


def test_a_refused_inbox_action_shows_its_message_next_to_the_control(
    page, live_server, demo_form, screenshot
):
    people_in_the_inbox(demo_form)
    page.set_viewport_size({"width": 1360, "height": 900})
    log_in(page, live_server, "morgan", "marketer")

    # On the lead page: "Mark won" with garbage says why, beside the amount; "$24,000" works.
    ada = Lead.objects.get(contact__name="Ada Lovelace")
    page.goto(f"{live_server.url}/app/inbox/{ada.pk}/")
    page.get_by_text("Won…").click()
    page.get_by_label("Amount").fill("about 24 grand")
    page.get_by_role("button", name="Mark won").click()
    expect(page.locator("#outcome-error")).to_have_text("Enter an amount like 24,000 or 24000.50.")
    expect(page.get_by_label("Amount")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Amount").fill("$24,000")
    page.get_by_role("button", name="Mark won").click()
    expect(page.locator("#lead-status")).to_have_text("Won")
    expect(page.locator("#lead-timeline")).to_contain_text("Marked won by Morgan: $24,000.00")

    # In the inbox: a bulk outcome refused by the server shows its words beside the controls.
    page.goto(f"{live_server.url}/app/inbox/")
    page.get_by_label("Select Grace Hopper").check()
    page.get_by_label("Mark as").select_option(label="Won")
    page.get_by_label("Amount each").fill("€5,000")
    page.get_by_role("button", name="Apply").click()
    error = page.locator(".inbox-bulk [data-error-slot]")
    expect(error).to_have_text("Amount: Amounts are in USD; “€” is EUR. Enter it in USD.")
    expect(page.get_by_label("Select Grace Hopper")).to_be_checked()  # nothing was lost
    shot = whole_page(page, screenshot, "inbox-error")
    assert Lead.objects.get(contact__name="Grace Hopper").status == "new"

    # The next refusal replaces the last one in the same place.
    page.get_by_label("Mark as").select_option(label="Unqualified")
    page.get_by_role("button", name="Apply").click()
    expect(error).to_have_text("Say why the lead is unqualified.")
    shutil.copy(shot, DOCS_SCREENSHOTS / shot.name)


def test_the_forms_list_analytics_and_the_api_agree_on_one_period(page, live_server, demo_form):
    people_in_the_inbox(demo_form)
    now = timezone.now()
    Lead.objects.filter(contact__name="Ada Lovelace").update(status="won", won_amount=24000)
    Lead.objects.filter(contact__name="Alan Turing").update(status="lost")
    Lead.objects.create(form=demo_form, created_at=now, is_partial=True, tier="nurture")
    for n in range(40):  # imported this morning: history, not submissions
        Lead.objects.create(
            form=demo_form,
            created_at=now - timedelta(minutes=n),
            source=Lead.Source.IMPORT,
            tier="sales_ready",
            status="won",
        )
    page.set_viewport_size({"width": 1360, "height": 900})
    marketer = log_in(page, live_server, "morgan", "marketer")

    page.goto(f"{live_server.url}/app/forms/")
    row = page.get_by_role("row").filter(has_text=demo_form.name)
    expect(row.get_by_role("link", name="6", exact=True)).to_be_visible()
    expect(row).to_contain_text("+ 40 imported history")
    expect(row).to_contain_text("33%")  # 2 of 6 sales-ready
    expect(row).to_contain_text("50.0%")  # won 1 of 2 known outcomes

    row.get_by_role("link", name="6", exact=True).click()
    figures = page.get_by_role("region", name="Key figures")
    expect(figures).to_contain_text("6Submissions")
    expect(figures).to_contain_text(re.compile(r"33\s*%Sales-ready"))
    expect(figures).to_contain_text(re.compile(r"50\s*%Converted"))
    expect(figures).to_contain_text("$24,000Won")
    expect(page.get_by_text("40 leads of imported history")).to_be_visible()

    token = Token.objects.create(user=marketer).key
    headers = {"Authorization": f"Token {token}"}
    url = f"{live_server.url}/api/v1/forms/{demo_form.slug}/leads"
    since = period_start(30).isoformat()
    listed = page.request.get(url, params={"since": since}, headers=headers).json()
    assert listed["count"] == 6
    sales_ready = page.request.get(
        url, params={"since": since, "tier": "sales_ready"}, headers=headers
    ).json()
    assert sales_ready["count"] == 2
    imported = page.request.get(
        url, params={"since": since, "imported": "true"}, headers=headers
    ).json()
    assert imported["count"] == 40
    won = [lead for lead in listed["results"] if lead["status"] == "won"]
    assert [(lead["won_amount"], lead["currency"]) for lead in won] == [("24000.00", "USD")]


def test_an_admin_sets_the_currency_and_amounts_follow_it(page, live_server, demo_form, screenshot):
    people_in_the_inbox(demo_form)
    page.set_viewport_size({"width": 1360, "height": 900})
    log_in(page, live_server, "ada-admin", "admin")
    page.goto(f"{live_server.url}/app/settings/")
    page.get_by_label("Currency").select_option("EUR")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Amounts are now shown in EUR.")).to_be_visible()
    whole_page(page, screenshot, "settings-currency")

    grace = Lead.objects.get(contact__name="Grace Hopper")
    page.goto(f"{live_server.url}/app/inbox/{grace.pk}/")
    page.get_by_text("Won…").click()
    expect(page.get_by_label("Amount")).to_be_visible()
    page.get_by_label("Amount").fill("12.500,50")
    page.get_by_role("button", name="Mark won").click()
    expect(page.locator("#lead-timeline")).to_contain_text("€12,500.50")
    expect(page.locator("#lead-actions")).to_contain_text("€12,500.50")
