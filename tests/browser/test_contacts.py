"""People, not just submissions, in a real browser: a form built from scratch shows its leads'
e-mail and name in the inbox and the webhook, and a person who comes back joins their contact
and reaches the same rep."""

import shutil
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from forms_app.models import Contact, Form, Lead, RepProfile, RoutingRule, Team
from tests.helpers.browser import log_in, whole_page
from tests.helpers.webhooks import LocalReceiver, endpoint_at
from tests.helpers.worker import run_worker

DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def receiver():
    receiver = LocalReceiver()
    yield receiver
    receiver.close()


def rep(username: str, name: str) -> User:
    user = User.objects.create_user(username, password="pw-for-tests-123")
    user.groups.add(Group.objects.get_or_create(name="sales")[0])
    RepProfile.objects.create(user=user, display_name=name)
    return user


def add_question(page, kind, label):
    page.get_by_label("Kind", exact=True).select_option(label=kind)  # not "Change the kind"
    page.locator("#add_label").fill(label)
    page.get_by_role("button", name="Add question").click()
    expect(page.get_by_role("status")).to_contain_text(f"Added “{label}”")


def prospect_submits(browser, url: str, email: str, name: str) -> None:
    context = browser.new_context()
    prospect = context.new_page()
    prospect.goto(url)
    prospect.get_by_label("Work e-mail").fill(email)
    prospect.get_by_label("Full name").fill(name)
    prospect.get_by_role("button", name="Submit").click()
    expect(prospect.get_by_role("heading", name="Thank you")).to_be_visible()
    context.close()


def test_a_form_built_from_scratch_shows_its_people_and_keeps_them_with_their_rep(
    page, browser, live_server, receiver, screenshot
):
    shots = []  # copied to docs/screenshots/ once the whole story passed
    page.set_viewport_size({"width": 1360, "height": 900})
    log_in(page, live_server, "morgan", "marketer")
    page.get_by_role("link", name="New form", exact=True).click()
    page.get_by_label("Form name").fill("Talk to sales")
    page.get_by_role("button", name="Create form").click()

    # The builder marks the obvious questions as the contact's e-mail and name by itself.
    add_question(page, "E-mail", "Work e-mail")
    expect(page.get_by_label("Contact detail")).to_have_value("email")
    page.get_by_label("Required").check()
    page.get_by_role("button", name="Save question").click()
    add_question(page, "Short text", "Full name")
    expect(page.get_by_label("Contact detail")).to_have_value("name")
    add_question(page, "Number", "Seats")
    expect(page.get_by_label("Contact detail")).to_have_count(0)  # a number is nobody's name
    page.get_by_role("link", name="Edit “Full name”").click()
    expect(page.get_by_label("Contact detail")).to_have_value("name")
    shots.append(whole_page(page, screenshot, "contacts-builder"))
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published: prospects can fill it")).to_be_visible()
    form = Form.objects.get()
    assert dict(form.questions.values_list("key", "contact_role")) == {
        "work_e_mail": "email",
        "full_name": "name",
        "seats": "",
    }

    sam, riley = rep("sam", "Sam Seller"), rep("riley", "Riley Rep")
    team = Team.objects.create(name="Closers")
    team.members.set([sam, riley])
    rule = RoutingRule.objects.create(
        form=form,
        name="Everyone to the closers",
        team=team,
        action=RoutingRule.Action.ROUND_ROBIN,
        webhook_endpoint=endpoint_at(f"{receiver.url}/crm"),
    )
    page.goto(f"{live_server.url}/app/forms/{form.slug}/routing/{rule.pk}/")
    expect(page.get_by_label("Repeat leads")).to_have_value("keep")
    shots.append(whole_page(page, screenshot, "contacts-routing-rule"))

    public_url = f"{live_server.url}/f/{form.slug}/"
    prospect_submits(browser, public_url, "dana@northwind.example", "Dana Buyer")
    run_worker()

    assert len(receiver.received) == 1
    sent = receiver.received[0]["data"]
    assert (sent["lead"]["email"], sent["lead"]["name"]) == ("dana@northwind.example", "Dana Buyer")
    assert sent["assigned_to"]["username"] == "sam"

    # Someone else comes in between (round-robin: Riley), then Dana again, typed differently.
    prospect_submits(browser, public_url, "bob@contoso.example", "Bob Builder")
    prospect_submits(browser, public_url, "DANA@Northwind.Example", "Dana Buyer")
    run_worker()

    first, other, again = Lead.objects.order_by("created_at")
    assert (first.assigned_to, other.assigned_to, again.assigned_to) == (sam, riley, sam)
    assert first.contact_id == again.contact_id != other.contact_id
    assert Contact.objects.get(pk=again.contact_id).owner == sam
    assert again.events.get(kind="routed").message == (
        "Routed by rule “Everyone to the closers” to Sam Seller, who owns this contact"
    )
    sent = receiver.received[-1]["data"]
    assert (sent["lead"]["email"], sent["lead"]["name"]) == ("DANA@Northwind.Example", "Dana Buyer")
    assert sent["assigned_to"]["username"] == "sam"

    # The inbox shows each person once: Dana's newest submission, with a count.
    page.goto(f"{live_server.url}/app/inbox/")
    rows = page.locator(".inbox-row")
    expect(rows).to_have_count(2)
    dana = rows.filter(has_text="Dana Buyer")
    expect(dana).to_contain_text("DANA@Northwind.Example")
    expect(dana).to_contain_text("2 submissions")
    expect(rows.filter(has_text="Bob Builder")).to_contain_text("bob@contoso.example")
    expect(rows.filter(has_text="Bob Builder")).not_to_contain_text("submissions")
    shots.append(whole_page(page, screenshot, "contacts-inbox"))

    # Her page lists the earlier submission, with a link to it.
    dana.get_by_role("link", name="Dana Buyer").click()
    expect(page).to_have_url(f"{live_server.url}/app/inbox/{again.pk}/")
    person = page.locator(".lead-contact")
    expect(person).to_contain_text("owned by Sam Seller")
    expect(person).to_contain_text("2 submissions")
    expect(person.locator(f'a[href="/app/inbox/{first.pk}/"]')).to_have_count(1)
    shots.append(whole_page(page, screenshot, "contacts-lead"))
    person.locator(f'a[href="/app/inbox/{first.pk}/"]').click()
    expect(page.get_by_role("heading", name="Dana Buyer")).to_be_visible()
    expect(page.locator(".lead-contact")).to_contain_text("Talk to sales")

    for shot in shots:
        shutil.copyfile(shot, DOCS_SCREENSHOTS / shot.name)
