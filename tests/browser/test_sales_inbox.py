"""A rep works their inbox in a real browser: open the top lead, mark it won with an amount."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from playwright.sync_api import expect

from forms_app.demo.history import demo_lead
from forms_app.models import Lead, LeadEvent, Notification, RepProfile
from forms_app.sales.learning import outcomes_since_training

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests-123"
PEOPLE = [
    ("Ada Lovelace", "Analytical Engines", 96, "sales_ready", 12),
    ("Grace Hopper", "Compilers Inc", 88, "sales_ready", 75),
    ("Katherine Johnson", "Orbital Maths", 71, "marketing_qualified", 240),
    ("Alan Turing", "Bletchley Labs", 64, "marketing_qualified", 30),
    ("Edsger Dijkstra", "Shortest Path BV", 42, "nurture", 600),
    ("Barbara Liskov", "Substitution Ltd", 23, "nurture", 1500),
]
FACTORS = [
    {"feature": "timeline", "label": "When do you want to start?: Within 1 month", "impact": 18},
    {"feature": "company_size", "label": "Company size: 201–1,000", "impact": 11},
    {"feature": "budget", "label": "Budget: Over $50k", "impact": 7},
    {"feature": "email_kind", "label": "E-mail domain: business", "impact": 4},
    {"feature": "role", "label": "Your role: Manager", "impact": -3},
    {"feature": "seconds", "label": "Time to complete: 41 s", "impact": -6},
]


def rep_with_leads(form) -> User:
    rep = User.objects.create_user("sam", password=PASSWORD, first_name="Sam", last_name="Sales")
    rep.groups.add(Group.objects.get_or_create(name="sales")[0])
    RepProfile.objects.create(
        user=rep, display_name="Sam Sales", booking_url="https://cal.example/sam"
    )
    rng = random.Random(5)
    now = timezone.now()
    for name, company, score, tier, minutes_ago in PEOPLE:
        created = now - timedelta(minutes=minutes_ago)
        answers, capture, _ = demo_lead(rng, created)
        answers.update(full_name=name, company=company)
        lead = Lead.objects.create(
            form=form,
            answers=answers,
            capture={**capture, "utm_source": "linkedin"},
            created_at=created,
            score=score,
            probability=score / 130,
            tier=tier,
            points_score=max(score - 12, 0),
            factors=FACTORS,
            scored_at=created,
            assigned_to=rep,
            assigned_at=created,
            sla_due_at=created + timedelta(minutes=60 if tier == "sales_ready" else 1440),
        )
        LeadEvent.objects.create(
            lead=lead,
            kind="routed",
            message="Routed by rule “Sales-ready: round-robin to Sales” to Sam Sales",
        )
        Notification.objects.create(
            lead=lead,
            channel="slack",
            destination="http://127.0.0.1:9/",
            status="delivered",
            attempts=1,
            next_attempt_at=created,
            delivered_at=created,
        )
    return rep


def test_a_rep_opens_the_top_lead_and_marks_it_won(page, live_server, demo_form, screenshot):
    rep_with_leads(demo_form)
    page.set_viewport_size({"width": 1360, "height": 860})
    page.goto(f"{live_server.url}/login/?next=/app/inbox/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    rows = page.locator("tr.inbox-row")
    expect(rows).to_have_count(len(PEOPLE))
    expect(rows.first).to_contain_text("Ada Lovelace")
    screenshot("sales-inbox")

    page.get_by_role("link", name="Ada Lovelace").click()
    expect(page.get_by_role("heading", name="Ada Lovelace")).to_be_visible()
    expect(page.get_by_text("When do you want to start?: Within 1 month")).to_be_visible()
    screenshot("sales-lead")

    page.get_by_text("Won…").click()
    page.get_by_label("Amount").fill("24,000")
    page.get_by_role("button", name="Mark won").click()
    expect(page.locator("#lead-status")).to_have_text("Won")
    expect(page.locator("#lead-timeline")).to_contain_text("Marked won by Sam Sales: $24,000.00")
    screenshot("sales-lead-won")

    lead = Lead.objects.get(answers__full_name="Ada Lovelace")
    assert lead.status == "won"
    assert lead.won_amount == Decimal("24000")
    assert outcomes_since_training(demo_form) == 1  # it counts toward the next retrain

    page.reload()
    expect(page.locator("#lead-status")).to_have_text("Won")
    page.go_back()  # to the inbox, where open leads are listed: the won lead has left it
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    page.reload()
    expect(page.locator("tr.inbox-row")).to_have_count(len(PEOPLE) - 1)


def test_a_marketer_tries_the_routing_rules_on_a_lead(page, live_server, demo_form, screenshot):
    from forms_app.demo.sales import demo_sales_setup

    rep_with_leads(demo_form)
    User.objects.create_user("riley", first_name="Riley", last_name="Sales").groups.add(
        Group.objects.get(name="sales")
    )
    marketer = User.objects.create_user("morgan", password=PASSWORD, first_name="Morgan")
    marketer.groups.add(Group.objects.get_or_create(name="marketer")[0])
    User.objects.filter(username="sam").update(username="sales1")
    User.objects.filter(username="riley").update(username="sales2")
    demo_sales_setup(form=demo_form)
    page.set_viewport_size({"width": 1360, "height": 860})
    page.goto(f"{live_server.url}/login/?next=/app/forms/demo/routing/")
    page.get_by_label("Username").fill("morgan")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Routing")).to_be_visible()
    page.get_by_role("button", name="Try the rules").click()
    expect(page.locator("#routing-preview")).to_contain_text("would go to")
    screenshot("sales-routing")
    page.get_by_role("link", name="Sales-ready: round-robin to Sales").click()
    expect(page.get_by_label("Sales-ready")).to_be_checked()
    screenshot("sales-routing-rule")
    page.goto(f"{live_server.url}/app/reps/")
    expect(page.get_by_role("heading", name="Reps & teams")).to_be_visible()
    screenshot("sales-reps")
