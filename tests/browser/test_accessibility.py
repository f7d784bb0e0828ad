"""axe-core, the accessibility engine behind Lighthouse, finds nothing on the public form (in any
state, light and dark, desktop and phone) and nothing serious or critical on any workspace page.

Every page of the workspace is listed once, in WORKSPACE_PAGES, by its URL name; a test below
fails when a new page is added to the URLs without being listed here (or in NOT_PAGES, for the
POST-only actions and the fragments htmx swaps into a page already checked).
"""

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from playwright.sync_api import expect

from forms_app.demo.history import demo_history_create
from forms_app.demo.sales import demo_sales_setup
from forms_app.models import ImportRun, Lead
from forms_app.models.sales import RepProfile, Team, WebhookEndpoint
from tests.helpers.accessibility import (
    SERIOUS,
    axe_violations,
    broken_references,
    focus_ring,
    sideways_scrolling,
)
from tests.helpers.answers import GOOD_ANSWERS
from tests.helpers.browser import PASSWORD, fill_demo_form
from tests.helpers.submit import submit

SCHEMES = ["light", "dark"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

# Every workspace page a person opens, by URL name: the path, with {placeholders} filled from the
# data the test makes (the demo form "demo" and its history, reps, a team, a webhook endpoint, an
# import). Add a page here when you add its URL.
WORKSPACE_PAGES = {
    "forms_list": "/app/forms/",
    "form_new": "/app/forms/new/",
    "builder": "/app/forms/demo/",
    "form_settings": "/app/forms/demo/settings/",
    "scoring": "/app/forms/demo/scoring/",
    "preview": "/app/forms/demo/preview/",
    "analytics": "/app/forms/demo/analytics/",
    "performance": "/app/forms/demo/performance/",
    "embed": "/app/forms/demo/embed/",
    "embed_test": "/app/forms/demo/embed/test/",
    "models_overview": "/app/models/",
    "models": "/app/forms/demo/models/",
    "import_new": "/app/imports/new/",
    "import_run": "/app/imports/{import_run}/",
    "inbox": "/app/inbox/",
    "lead_detail": "/app/inbox/{lead}/",
    "routing": "/app/forms/demo/routing/",
    "routing_rule_new": "/app/forms/demo/routing/new/",
    "routing_rule_edit": "/app/forms/demo/routing/{rule}/",
    "reps": "/app/reps/",
    "rep_edit": "/app/reps/{rep}/",
    "team_new": "/app/reps/teams/new/",
    "team_edit": "/app/reps/teams/{team}/",
    "webhook_endpoints": "/app/webhooks/",
    "webhook_endpoint_new": "/app/webhooks/new/",
    "webhook_endpoint": "/app/webhooks/{endpoint}/",
    "account_settings": "/app/settings/",
    "team": "/app/settings/team/",
    "routing_overview": "/app/routing/",
    "privacy": "/app/privacy/",
    "privacy_erase": "/app/privacy/erase/?email=grace@hopper.example",
}
# Pages outside /app/ that a signed-in person reads (the login page is checked before signing in).
OTHER_PAGES = {
    "api_docs": "/api/docs/",
    "not_found": "/app/no-such-page/",
}
# Pages kept in docs/screenshots/ as they look at 1280 px, light and dark.
SHOWN_IN_DOCS = {"forms_list": "workspace-forms-list-1280"}
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

# Known problems of pages we do not write, by page: Swagger UI puts the copy button of each
# operation inside the operation's own toggle button (swagger-ui's markup, not ours to change).
KNOWN = {"api_docs": frozenset({"nested-interactive"})}
# URL names under /app/ that are not pages of their own: redirects, POST-only actions, downloads
# and the fragments htmx swaps into a listed page.
NOT_PAGES = {
    "app_home",
    "condition_picker",  # the fragment htmx swaps into a rule's form
    "inbox_bulk",
    "invitation_new",
    "invitation_resend",
    "invitation_revoke",
    "member_deactivate",
    "member_reactivate",
    "member_role",
    "member_unlock",
    "password_change",
    "profile_update",
    "workspace_settings",
    "form_duplicate",
    "form_publish",
    "form_unpublish",
    "question_add",
    "utm_fields_add",
    "questions_reorder",
    "question_edit",
    "question_move",
    "question_choice_move",
    "question_kind_change",
    "question_remove",
    "question_restore",
    "thresholds_update",
    "points_rule_add",
    "points_rule_edit",
    "points_rule_remove",
    "leads_export",
    "performance_csv",
    "drift_csv",  # the drift view's CSV download
    "preview_score",
    "privacy_export",
    "api_token_update",
    "training_start",
    "training_status",
    "version_activate",
    "rollback",
    "import_upload",
    "import_status",
    "import_cancel",
    "question_arrival",
    "lead_outcome",
    "lead_feedback",
    "lead_reassign",
    "notification_resend",
    "webhook_endpoint_rotate",
    "webhook_endpoint_disable",
    "webhook_endpoint_enable",
    "webhook_delivery_resend",
    "routing_rule_delete",
    "routing_preview",
}


def _app_url_names(patterns=None, prefix="") -> set[str]:
    names = set()
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            names |= _app_url_names(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and route.startswith("app/") and pattern.name:
            names.add(pattern.name)
    return names


def test_every_workspace_page_is_on_the_accessibility_list():
    unlisted = _app_url_names() - set(WORKSPACE_PAGES) - NOT_PAGES
    assert not unlisted, f"add these pages to WORKSPACE_PAGES (or NOT_PAGES): {sorted(unlisted)}"
    gone = (set(WORKSPACE_PAGES) | NOT_PAGES) - _app_url_names()
    assert not gone, f"these URL names no longer exist: {sorted(gone)}"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def workspace_with_everything(scored_demo_form) -> dict[str, int]:
    """The demo form with history, reps, a team, rules, a webhook endpoint and a finished import:
    every page has something to show."""
    demo_history_create(scored_demo_form, count=120)
    for username in ("sales1", "sales2"):
        User.objects.create_user(username, password=PASSWORD, first_name=username.title())
    rules = demo_sales_setup(form=scored_demo_form, webhook_url="http://127.0.0.1:9/hook")
    run = ImportRun.objects.create(
        form=scored_demo_form,
        file_name="imports/leads.csv",
        original_name="leads.csv",
        size=2048,
        delimiter=",",
        encoding="utf-8",
        status=ImportRun.Status.SUCCEEDED,
        rows_total=10,
        rows_done=10,
    )
    submit(Client(), "demo", GOOD_ANSWERS)
    return {
        "lead": Lead.objects.get(source=Lead.Source.FORM).pk,
        "rule": rules[0].pk,
        "rep": RepProfile.objects.first().user_id,
        "team": Team.objects.get().pk,
        "endpoint": WebhookEndpoint.objects.first().pk,
        "import_run": run.pk,
    }


def _listed(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{where}: {line}" for where, lines in found.items() for line in lines)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_workspace_page_has_a_serious_or_critical_violation_light_or_dark(
    browser, live_server, workspace_with_everything
):
    User.objects.create_superuser("ada", "ada@example.com", PASSWORD, first_name="Ada")
    found = {}
    for scheme in SCHEMES:  # one context per scheme, the data made once
        context = browser.new_context(color_scheme=scheme, viewport=DESKTOP)
        page = context.new_page()
        page.goto(f"{live_server.url}/login/")
        if violations := axe_violations(page, impacts=SERIOUS):
            found[f"login ({scheme})"] = violations
        page.get_by_label("Username").fill("ada")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("navigation", name="Main")).to_be_visible()
        for name, path in {**WORKSPACE_PAGES, **OTHER_PAGES}.items():
            response = page.goto(live_server.url + path.format(**workspace_with_everything))
            expected = 404 if name == "not_found" else 200
            assert response.status == expected, f"{name}: {path} answered {response.status}"
            if name == "api_docs":
                expect(page.locator(".opblock").first).to_be_visible(timeout=15_000)
            besides = KNOWN.get(name, frozenset())
            violations = axe_violations(page, impacts=SERIOUS, besides=besides)
            violations += broken_references(page)
            violations += sideways_scrolling(page)  # at 1280 px, a common laptop width
            if violations:
                found[f"{name} ({scheme})"] = violations
            if name in SHOWN_IN_DOCS:
                page.screenshot(path=str(DOCS_SCREENSHOTS / f"{SHOWN_IN_DOCS[name]}-{scheme}.png"))
        context.close()
    assert not found, _listed(found)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_public_form_has_no_violation_in_any_state(
    browser, live_server, scored_demo_form, scheme, viewport
):
    context = browser.new_context(color_scheme=scheme, viewport=viewport)
    page = context.new_page()
    found = {}

    page.goto(f"{live_server.url}/f/demo/")
    found["the empty form"] = axe_violations(page) + broken_references(page)

    page.get_by_label("Work e-mail").fill("not an address")
    page.get_by_role("button", name="Request my demo").click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct")
    found["the form with mistakes"] = axe_violations(page) + broken_references(page)
    # Mistakes show in red, and not in colour alone: the message is beside the field.
    email = page.get_by_label("Work e-mail")
    danger = page.evaluate("getComputedStyle(document.querySelector('.field-error')).color")
    assert email.evaluate("e => getComputedStyle(e).borderTopColor") == danger

    fill_demo_form(page)
    page.get_by_role("button", name="Request my demo").click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text(scored_demo_form.name)
    found["the next step"] = axe_violations(page)
    context.close()

    assert not any(found.values()), _listed(found)


def _rings_too_faint(page, count: int) -> list[str]:
    """Tab through the first `count` stops of the page; each must show a solid ring of 3:1."""
    faint = []
    for _ in range(count):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement === document.body"):
            break  # past the last stop
        ring = focus_ring(page)
        if ring["style"] != "solid" or ring["width"] < 2 or ring["contrast"] < 3:
            faint.append(f"{ring}")
    return faint


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_focus_stop_shows_a_solid_ring_of_at_least_3_to_1(
    browser, live_server, demo_form, scheme
):
    demo_form.accent_color = "#fbbf24"  # a light brand colour: the ring must not depend on it
    demo_form.save()
    User.objects.create_superuser("ada", "ada@example.com", PASSWORD, first_name="Ada")
    context = browser.new_context(color_scheme=scheme, viewport=DESKTOP)
    page = context.new_page()
    found = {}
    page.goto(f"{live_server.url}/f/demo/")
    found["the public form"] = _rings_too_faint(page, 20)  # inputs, radios, selects, the button

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/app/forms/demo/settings/")
    found["the workspace"] = _rings_too_faint(page, 14)  # skip link, navigation, tabs, fields
    context.close()
    assert not any(found.values()), _listed(found)
