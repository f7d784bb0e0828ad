"""The headless form: a site fetches the form's description and submits JSON, from a browser."""

import pytest
from rest_framework.test import APIClient

from forms_app.models import Lead, SpamRefusal
from tests.helpers.answers import KEEN_DEMO_ANSWERS

SITE = "https://www.example.com"


@pytest.fixture
def site_form(demo_form):
    demo_form.allowed_sites = [SITE]
    demo_form.save()
    return demo_form


@pytest.fixture
def visitor():
    """A client that sends what a browser on the allowed site sends."""
    return APIClient(HTTP_ORIGIN=SITE, HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Mobile")


def described(client) -> dict:
    response = client.get("/api/v1/public/forms/demo")
    assert response.status_code == 200
    return response.json()


def submit(client, token: str, answers=None, **extra):
    body = {"token": token, "answers": KEEN_DEMO_ANSWERS if answers is None else answers, **extra}
    return client.post("/api/v1/public/forms/demo/submissions", body, format="json")


def test_the_description_says_what_to_render_and_carries_a_fresh_token(site_form, visitor):
    first, second = described(visitor), described(visitor)

    assert first["name"] == "Request a demo" and first["submit_label"] == "Request my demo"
    questions = {q["key"]: q for q in first["questions"]}
    assert questions["timeline"]["kind"] == "single_choice" and questions["timeline"]["required"]
    assert {"value": "within_1_month", "label": "Within 1 month"} in questions["timeline"][
        "choices"
    ]
    assert first["token"] and first["token"] != second["token"]
    response = visitor.get("/api/v1/public/forms/demo")
    assert response["Access-Control-Allow-Origin"] == SITE
    assert response["Cache-Control"] == "no-store"
    assert "Origin" in {v.strip() for v in response["Vary"].split(",")}
    # One representation whatever the Accept header (the API answers JSON only), so a cache
    # keyed on the origin alone serves each site its own answer and never a browser's HTML.
    as_html = visitor.get("/api/v1/public/forms/demo", HTTP_ACCEPT="text/html")
    assert as_html["Content-Type"] == "application/json"
    assert as_html.json()["name"] == "Request a demo"


def test_only_the_forms_allowed_sites_get_cors_headers(site_form):
    other = APIClient(HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in other.get("/api/v1/public/forms/demo")
    preflight = APIClient(HTTP_ORIGIN=SITE).options("/api/v1/public/forms/demo/submissions")
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == SITE
    assert "POST" in preflight["Access-Control-Allow-Methods"]
    assert preflight["Access-Control-Allow-Headers"] == "Content-Type"


def test_a_headless_submit_stores_the_lead_and_answers_with_the_next_step_only(site_form, visitor):
    token = described(visitor)["token"]
    page = {"page_url": f"{SITE}/pricing?utm_source=newsletter", "referrer": "https://x.example/"}

    response = submit(visitor, token, page=page)

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "next_step"}  # the prospect never sees their score
    lead = Lead.objects.get(public_id=body["id"])
    assert lead.answers["company"] == "Northwind" and lead.source == Lead.Source.API
    assert lead.score is not None and lead.tier == body["next_step"]["tier"]
    assert lead.capture["utm_source"] == "newsletter" and lead.capture["device"] == "mobile"
    assert lead.capture["seconds_to_complete"] >= 0

    replay = submit(visitor, token)
    assert replay.status_code == 200 and replay.json()["id"] == body["id"]
    assert Lead.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "status", "says", "reason"),
    [
        ({"token": "forged"}, 400, "not valid", SpamRefusal.Reason.TOKEN),
        ({"website": "http://spam.example"}, 400, "automated", SpamRefusal.Reason.HONEYPOT),
        ({"origin": "https://evil.example"}, 403, "allowed sites", SpamRefusal.Reason.ORIGIN),
        ({"min_fill": 60}, 400, "faster than a person", SpamRefusal.Reason.TOO_FAST),
    ],
)
def test_spam_defences_refuse_with_a_reason_and_count_it(
    site_form, visitor, settings, change, status, says, reason
):
    token = described(visitor)["token"]
    settings.FORMSCORE_MIN_FILL_SECONDS = change.pop("min_fill", 0)
    if "origin" in change:
        visitor = APIClient(HTTP_ORIGIN=change.pop("origin"))
    token = change.pop("token", token)

    response = submit(visitor, token, **change)

    assert response.status_code == status and says in response.content.decode()
    assert SpamRefusal.objects.get(form=site_form, reason=reason).count == 1
    assert Lead.objects.count() == 0


def test_too_many_submits_from_one_address_get_a_429(site_form, visitor, settings):
    settings.FORMSCORE_RATE_LIMIT = 2
    statuses = [submit(visitor, described(visitor)["token"]).status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    refused = submit(visitor, described(visitor)["token"])
    assert refused["Retry-After"] == str(settings.FORMSCORE_RATE_LIMIT_WINDOW)
    assert Lead.objects.count() == 2


def test_bad_answers_get_a_400_naming_the_field_and_store_nothing(site_form, visitor):
    token = described(visitor)["token"]
    cases = [
        (submit(visitor, token, answers=KEEN_DEMO_ANSWERS | {"work_email": "nope"}), "work_email"),
        (submit(visitor, token, answers={"work_email": "a@b.example"}), "company"),
        (submit(visitor, token, answers=KEEN_DEMO_ANSWERS | {"shoe_size": 9}), "shoe_size"),
        (submit(visitor, token, page={"utm_sorce": "x"}), "utm_sorce"),
        (
            visitor.post(
                "/api/v1/public/forms/demo/submissions", "{", content_type="application/json"
            ),
            "JSON parse error",
        ),
    ]
    for response, says in cases:
        assert response.status_code == 400 and says in response.content.decode()
    assert Lead.objects.count() == 0


def test_drafts_and_unknown_forms_are_not_described(make_form, visitor):
    make_form(("E-mail", "email", {}), slug="draft", status="draft")
    assert visitor.get("/api/v1/public/forms/draft").status_code == 404
    assert visitor.get("/api/v1/public/forms/nothing").status_code == 404
