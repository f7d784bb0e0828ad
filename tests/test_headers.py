"""Headers: the app's scripts come from our own files only (a CSP without 'unsafe-inline'),
personal data is never stored by a cache, and HEAD answers wherever GET does."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from rest_framework.authtoken.models import Token

from forms_app.demo.history import demo_form_create
from forms_app.models import FormStepStat, Lead, RoutingRule, Team
from scoring.models import TrainingRun
from tests.helpers.answers import KEEN_DEMO_ANSWERS

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def morgan(db) -> User:
    """A marketer: the workspace, and every lead in the inbox."""
    user = User.objects.create_user("morgan", password="pw-for-tests-123")
    user.groups.add(Group.objects.get_or_create(name="marketer")[0])
    return user


@pytest.fixture
def workspace(morgan) -> dict:
    """The demo form with one of everything a page can show, by name."""
    form = demo_form_create()
    rep = User.objects.create_user("sam", password="pw-for-tests-123")
    rep.groups.add(Group.objects.get_or_create(name="sales")[0])
    Team.objects.create(name="Closers").members.set([rep])
    rule = RoutingRule.objects.create(form=form, name="All to Sam", position=1, rep=rep)
    lead = Lead.objects.create(
        form=form, answers=KEEN_DEMO_ANSWERS, created_at=timezone.now(), assigned_to=rep
    )
    run = TrainingRun.objects.create(form=form)
    return {"form": form, "rep": rep, "rule": rule, "lead": lead, "run": run}


def app_pages(things: dict) -> list[str]:
    """Every page of the app a marketer can GET."""
    lead, rule, rep, run = things["lead"], things["rule"], things["rep"], things["run"]
    return [
        "/app/forms/",
        "/app/forms/new/",
        "/app/forms/demo/",
        "/app/forms/demo/settings/",
        "/app/forms/demo/scoring/",
        "/app/forms/demo/preview/",
        "/app/forms/demo/analytics/",
        "/app/forms/demo/leads.csv",
        "/app/forms/demo/embed/",
        "/app/forms/demo/embed/test/",
        "/app/forms/demo/models/",
        f"/app/forms/demo/models/runs/{run.pk}/",
        "/app/forms/demo/routing/",
        "/app/forms/demo/routing/new/",
        f"/app/forms/demo/routing/{rule.pk}/",
        "/app/models/",
        "/app/settings/",
        "/app/reps/",
        f"/app/reps/{rep.pk}/",
        "/app/reps/teams/new/",
        "/app/inbox/",
        f"/app/inbox/{lead.pk}/",
    ]


def directives(response) -> dict[str, list[str]]:
    policy = response.get("Content-Security-Policy", "")
    parsed = {}
    for directive in filter(None, (part.strip() for part in policy.split(";"))):
        name, *sources = directive.split()
        parsed[name] = sources
    return parsed


# --- Content-Security-Policy: scripts from our own files only ---------------------------------


def test_every_app_page_allows_scripts_from_this_site_only(client, morgan, workspace):
    client.force_login(morgan)
    for path in app_pages(workspace):
        response = client.get(path)
        assert response.status_code == 200, path
        scripts = directives(response).get("script-src")
        assert scripts is not None, f"{path}: no script-src"
        assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, path
        assert "'self'" in scripts, path


def test_the_embed_test_page_may_load_the_embed_script_from_the_site_url(
    client, morgan, workspace, settings
):
    settings.SITE_URL = "https://forms.example.com"
    client.force_login(morgan)
    scripts = directives(client.get("/app/forms/demo/embed/test/"))["script-src"]
    assert scripts == ["'self'", "https://forms.example.com"]


@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
def test_the_sign_in_pages_allow_scripts_from_this_site_only(client, db, path):
    assert directives(client.get(path))["script-src"] == ["'self'"]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"""\s(on[a-z]+|hx-on[:\w-]*)\s*=\s*["']""", re.I)


@pytest.mark.parametrize(
    "template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_no_template_has_an_inline_script_or_event_handler(template):
    """What the policy would block: a <script> body, onsubmit=…, htmx's hx-on (evaluated),
    a javascript: link. Behaviour lives in static/formscore/js/."""
    html = template.read_text()
    assert not INLINE_SCRIPT.search(html)
    assert not INLINE_HANDLER.search(html)
    assert "javascript:" not in html.lower()


# --- Cache-Control: no-store on personal data -------------------------------------------------


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_the_inbox_and_a_lead_page_are_never_stored_by_a_cache(client, morgan, workspace):
    client.force_login(morgan)
    lead = workspace["lead"]
    assert no_store(client.get("/app/inbox/"))
    assert no_store(client.get("/app/inbox/", HTTP_HX_REQUEST="true"))
    assert no_store(client.get(f"/app/inbox/{lead.pk}/"))
    outcome = client.post(
        f"/app/inbox/{lead.pk}/outcome/", {"status": "contacted"}, HTTP_HX_REQUEST="true"
    )
    assert outcome.status_code == 200 and no_store(outcome)


def test_the_leads_export_is_never_stored_by_a_cache(client, morgan, workspace):
    client.force_login(morgan)
    response = client.get("/app/forms/demo/leads.csv")
    assert response.status_code == 200 and no_store(response)


def test_the_account_page_that_shows_a_new_api_token_is_never_stored(client, morgan):
    client.force_login(morgan)
    client.post("/app/settings/api-token/")
    assert no_store(client.get("/app/settings/"))


def test_every_api_answer_is_never_stored_by_a_cache(client, morgan, workspace):
    token = Token.objects.create(user=morgan).key
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    lead = workspace["lead"]
    submitted = client.post(
        "/api/v1/forms/demo/leads",
        {"answers": KEEN_DEMO_ANSWERS},
        content_type="application/json",
        **auth,
    )
    answers = [
        submitted,
        client.get("/api/v1/forms/demo/leads", **auth),
        client.get(f"/api/v1/leads/{lead.public_id}", **auth),
        client.post(
            "/api/v1/forms/demo/score",
            {"answers": KEEN_DEMO_ANSWERS},
            content_type="application/json",
            **auth,
        ),
        client.get(f"/api/v1/leads/{lead.public_id}"),  # 401: says nothing, still not stored
        client.get("/api/v1/public/forms/demo"),
    ]
    assert [r.status_code for r in answers] == [201, 200, 200, 200, 401, 200]
    assert all(no_store(r) for r in answers)


# --- HEAD wherever GET ------------------------------------------------------------------------


def assert_head_like_get(client, path: str, **headers) -> None:
    got = client.get(path, **headers)
    head = client.head(path, **headers)
    assert (head.status_code, path) == (got.status_code, path)
    body = b"".join(head.streaming_content) if head.streaming else head.content
    assert body == b""


def test_head_answers_like_get_on_every_app_page(client, morgan, workspace):
    client.force_login(morgan)
    for path in app_pages(workspace):
        assert_head_like_get(client, path)


def test_head_answers_like_get_on_the_public_pages(client, workspace):
    lead = workspace["lead"]
    for path in ["/f/demo/", f"/f/demo/next/{lead.public_id}/", "/embed.js", "/login/"]:
        assert_head_like_get(client, path)


def test_no_view_takes_get_but_refuses_head():
    """require_GET and require_http_methods(["GET", …]) answer HEAD with 405: require_safe."""
    for path in (Path(__file__).resolve().parents[1] / "forms_app").rglob("*.py"):
        source = path.read_text()
        assert "require_GET" not in source, path
        for methods in re.findall(r"require_http_methods\(\[([^\]]*)\]", source):
            assert '"GET"' not in methods or '"HEAD"' in methods, path


def test_head_of_the_form_page_counts_no_prospect_starting_it(client, workspace):
    client.head("/f/demo/")
    assert not FormStepStat.objects.filter(started__gt=0).exists()
    client.get("/f/demo/")
    assert FormStepStat.objects.get().started == 1


def test_head_answers_like_get_on_the_api(client, morgan, workspace):
    auth = {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=morgan).key}"}
    lead = workspace["lead"]
    for path in ["/api/v1/forms/demo/leads", f"/api/v1/leads/{lead.public_id}"]:
        assert_head_like_get(client, path, **auth)
    assert_head_like_get(client, "/api/v1/public/forms/demo")
