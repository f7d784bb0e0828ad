"""Privacy in a real browser: an admin erases a person and finds nothing of them in the inbox, a
CSV export or the webhook delivery log; a form's retention period anonymises an old lead while its
score and outcome stay. Screenshots go to docs/screenshots/privacy-*.png."""

import csv
import io
import json
import threading
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from playwright.sync_api import expect

from forms_app.capture.submit import lead_capture
from forms_app.models import Contact, Lead, Notification, RepProfile, RoutingRule
from forms_app.sales.leads import Outcome, lead_outcome_record
from forms_app.tasks import apply_retention
from scoring.models import PointsRule
from tests.helpers.browser import log_in
from tests.helpers.webhooks import endpoint_at
from tests.helpers.worker import run_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
TIMELINE = {
    "key": "timeline",
    "feeds_score": True,
    "choices": [
        {"value": "within_1_month", "label": "Within 1 month"},
        {"value": "later", "label": "Later this year"},
    ],
}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def crm():
    """A CRM on this machine that acknowledges every webhook and keeps what it received."""
    received: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            received.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            self.send_response(200)
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()
    server.server_close()


@pytest.fixture
def webinar_form(make_form):
    """A form built from scratch: its e-mail question's key is not `work_email`."""
    return make_form(
        ("Your name", "short_text", {"key": "full_name", "required": True}),
        ("Business e-mail", "email", {"key": "work_e_mail", "required": True}),
        ("What should we cover?", "long_text", {"key": "topics"}),
        ("Team size", "number", {"key": "team_size", "feeds_score": True}),
        ("When do you want to start?", "single_choice", TIMELINE),
        slug="webinar",
    )


def _rep(username: str, name: str) -> User:
    user = User.objects.create_user(username, password="pw-for-tests-123", first_name=name)
    user.groups.add(Group.objects.get_or_create(name="sales")[0])
    RepProfile.objects.create(user=user, display_name=name)
    return user


def _submit(page, live_server, name: str, email: str) -> None:
    """A prospect fills the public form."""
    page.goto(f"{live_server.url}/f/webinar/?utm_source=newsletter")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Business e-mail").fill(email)
    page.get_by_label("What should we cover?").fill(f"{name} wants to see the scoring")
    page.get_by_label("Team size").fill("40")
    page.get_by_label("Within 1 month").check()
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()


def _docs_screenshot(page, name: str) -> None:
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": 1360, "height": max(700, height)})
    page.screenshot(path=str(DOCS_SCREENSHOTS / name))
    page.set_viewport_size({"width": 1360, "height": 900})


def test_an_admin_erases_a_person_and_nothing_of_them_is_left_to_find(
    page, live_server, webinar_form, crm
):
    crm_url, received = crm
    RoutingRule.objects.create(
        form=webinar_form,
        name="Everyone to Sam",
        action=RoutingRule.Action.ASSIGN_REP,
        rep=_rep("sam", "Sam Seller"),
        webhook_endpoint=endpoint_at(f"{crm_url}/crm"),
    )
    _submit(page, live_server, "Ada Lovelace", "ada@lovelace.example")
    _submit(page, live_server, "Ada Lovelace", "Ada@Lovelace.Example")  # again, other case
    _submit(page, live_server, "Grace Hopper", "grace@navy.example")
    run_worker()
    assert len(received) == 3 and b"ada@lovelace.example" in received[0]
    ada_leads = list(Lead.objects.filter(answers__full_name="Ada Lovelace"))
    endpoint = Notification.objects.first().endpoint

    log_in(page, live_server, "avery", "admin")
    page.goto(f"{live_server.url}/app/inbox/")
    # Ada once (her two submissions are one contact) and Grace.
    expect(page.locator(".inbox-table tbody tr")).to_have_count(2)
    ada_row = page.locator(".inbox-table tbody tr", has_text="Ada Lovelace")
    expect(ada_row.locator(".inbox-submissions")).to_have_text("2 submissions")
    page.goto(f"{live_server.url}/app/webhooks/{endpoint.pk}/")
    expect(page.locator(".delivery-table tbody tr")).to_have_count(3)

    page.get_by_role("link", name="Privacy").click()
    expect(page.get_by_role("heading", name="Privacy", exact=True)).to_be_visible()
    page.get_by_label("E-mail address").fill("ADA@lovelace.example")
    page.get_by_role("button", name="Find").click()
    expect(page.locator("#person-count")).to_have_text("2 leads")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export as JSON").click()
    exported = json.loads(Path(download_info.value.path()).read_text())
    assert sorted(lead["id"] for lead in exported["leads"]) == sorted(
        str(lead.public_id) for lead in ada_leads
    )
    page.reload()  # the export is in the log now
    _docs_screenshot(page, "privacy-person.png")

    page.get_by_role("link", name="Erase…").click()
    expect(page.get_by_role("heading", name="Erase ada@lovelace.example?")).to_be_visible()
    _docs_screenshot(page, "privacy-erase-confirm.png")
    page.get_by_role("button", name="Erase 2 leads").click()
    expect(page.get_by_role("status")).to_contain_text("Erased ada@lovelace.example: 2 leads")
    expect(page.locator(".privacy-log tbody tr").first).to_contain_text("Erasure")
    expect(page.locator(".privacy-log tbody tr").first).to_contain_text("avery")
    _docs_screenshot(page, "privacy-erased.png")

    # Nothing of Ada in the inbox …
    page.goto(f"{live_server.url}/app/inbox/?status=all")
    expect(page.locator(".inbox-table tbody tr")).to_have_count(1)
    expect(page.locator(".inbox-table")).to_contain_text("Grace Hopper")
    assert "Ada" not in page.content() and "lovelace" not in page.content()
    for lead in ada_leads:
        assert page.goto(f"{live_server.url}/app/inbox/{lead.pk}/").status == 404
    # … in the form's CSV export …
    page.goto(f"{live_server.url}/app/forms/webinar/analytics/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download leads (CSV)").click()
    rows = list(csv.reader(io.StringIO(Path(download_info.value.path()).read_text())))
    assert len(rows) == 2 and "Grace Hopper" in rows[1]
    assert "lovelace" not in json.dumps(rows).lower()
    # … or the outbox and the endpoint's delivery log.
    page.goto(f"{live_server.url}/app/webhooks/{endpoint.pk}/")
    expect(page.locator(".delivery-table tbody tr")).to_have_count(1)
    for lead in ada_leads:
        expect(page.get_by_role("link", name=f"Lead {lead.pk}", exact=True)).to_have_count(0)
    assert not Notification.objects.filter(payload__icontains="lovelace").exists()
    assert Notification.objects.count() == 1
    assert not Contact.objects.filter(email_normalized="ada@lovelace.example").exists()


def test_a_forms_retention_period_anonymises_an_old_lead_and_keeps_its_score_and_outcome(
    page, live_server, webinar_form
):
    answers = {
        "full_name": "Ada Lovelace",
        "work_e_mail": "ada@lovelace.example",
        "topics": "Call Ada on her mobile",
        "team_size": 40,
        "timeline": "within_1_month",
    }
    capture = {
        "page_url": "https://www.example.com/webinar?email=ada%40lovelace.example",
        "referrer": "https://news.example.com/",
        "utm_source": "newsletter",
        "device": "desktop",
        "ip": "203.0.113.7",
    }
    PointsRule.objects.create(
        form=webinar_form, key="timeline", operator="equals", value="within_1_month", points=50
    )
    PointsRule.objects.create(
        form=webinar_form, key="team_size", operator="gte", value=20, points=30
    )
    old = lead_capture(form=webinar_form, answers=answers, capture=capture).lead
    Lead.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=45))
    recent = lead_capture(form=webinar_form, answers=answers, capture=capture).lead
    marketer = log_in(page, live_server, "morgan", "admin")
    lead_outcome_record(lead=old, actor=marketer, outcome=Outcome("won", amount=Decimal("12000")))

    page.goto(f"{live_server.url}/app/forms/webinar/settings/")
    page.get_by_label("Anonymise leads after (days)").fill("30")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    page.get_by_role("heading", name="Privacy").scroll_into_view_if_needed()
    page.locator("section.card", has_text="Anonymise leads after").screenshot(
        path=str(DOCS_SCREENSHOTS / "privacy-retention-setting.png")
    )

    apply_retention.enqueue()  # what the daily run does
    run_worker()

    old.refresh_from_db()
    assert old.anonymised_at is not None and old.score > 0
    page.goto(f"{live_server.url}/app/inbox/{old.pk}/")
    expect(page.get_by_role("status")).to_contain_text("Anonymised")
    expect(page.get_by_role("heading", level=1)).to_have_text("Unnamed lead")
    answers_card = page.locator("section", has=page.get_by_role("heading", name="Answers"))
    expect(answers_card).to_contain_text("Within 1 month")
    expect(answers_card).to_contain_text("40")
    expect(page.locator(".lead-score")).to_contain_text(str(old.score))
    expect(page.locator(".lead-header-badges")).to_contain_text("Won")
    for gone in ("Ada", "lovelace", "mobile", "203.0.113.7", "?email="):
        assert gone not in page.locator("main").inner_text(), gone
    expect(page.get_by_text("https://news.example.com/")).to_be_visible()  # no query: kept
    _docs_screenshot(page, "privacy-retention-lead.png")

    page.goto(f"{live_server.url}/app/inbox/{recent.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Lovelace")
    page.goto(f"{live_server.url}/app/privacy/")
    expect(page.locator(".privacy-log tbody tr").first).to_contain_text("Retention")
    expect(page.locator(".privacy-log tbody tr").first).to_contain_text("Webinar")
