"""The headless API: submit, score, list, read and close leads over JSON with a token."""

import json
import random
import urllib.request
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from forms_app.demo.history import demo_lead
from forms_app.models import Form, Lead, LeadEvent, Notification, RoutingRule
from tests.helpers.answers import KEEN_DEMO_ANSWERS
from tests.helpers.webhooks import endpoint_at
from tests.helpers.worker import run_worker


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def api(marketer) -> APIClient:
    return client_for(marketer)


def demo_answers(seed: int) -> dict:
    answers, _, _ = demo_lead(random.Random(seed), timezone.now())
    return answers


def test_a_lead_sent_over_real_http_is_stored_scored_routed_and_given_its_next_step(
    scored_demo_form, marketer, sam, live_server, receiver
):
    RoutingRule.objects.create(
        form=scored_demo_form,
        name="Hot leads to Sam",
        position=1,
        rep=sam,
        action=RoutingRule.Action.ASSIGN_REP,
        webhook_endpoint=endpoint_at(f"{receiver.url}/ok"),
    )
    token = Token.objects.create(user=marketer).key
    body = {
        "answers": KEEN_DEMO_ANSWERS,
        "capture": {"utm_source": "newsletter", "device": "desktop", "page_views": 12},
    }
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/forms/demo/leads",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
        created = json.loads(response.read())

    lead = Lead.objects.get(public_id=created["id"])
    assert lead.source == Lead.Source.API and lead.answers["company"] == "Northwind"
    assert lead.capture["utm_source"] == "newsletter" and lead.capture["api_user"] == "morgan"
    assert created["model_version"] == lead.model_version.number and not lead.needs_rescoring
    assert created["score"] == lead.score and 0 <= lead.score <= 100
    assert created["probability"] == pytest.approx(lead.probability)
    assert created["tier"] == lead.tier and created["factors"] == lead.factors
    assert created["factors"] and all({"label", "impact"} <= set(f) for f in created["factors"])
    assert created["assigned_to"] == {"username": "sam", "name": "Sam Seller"}
    if lead.tier == Lead.Tier.SALES_READY:
        assert created["next_step"]["booking_url"] == "https://cal.example/sam"
    assert created["next_step"]["tier"] == lead.tier
    run_worker()
    receiver.wait_for(1)
    assert receiver.received[0].json()["data"]["lead"]["id"] == created["id"]
    assert Notification.objects.get(lead=lead).status == Notification.Status.DELIVERED


def test_malformed_requests_get_a_400_that_says_what_is_wrong_and_store_nothing(
    scored_demo_form, api
):
    url = "/api/v1/forms/demo/leads"
    cases = [
        (api.post(url, "{not json", content_type="application/json"), "JSON parse error"),
        (api.post(url, [1, 2], format="json"), "Send a JSON object."),
        (api.post(url, {"answers": "yes"}, format="json"), "dictionary"),
        (
            api.post(url, {"answers": KEEN_DEMO_ANSWERS | {"shoe_size": 9}}, format="json"),
            "shoe_size",
        ),
        (
            api.post(url, {"answers": KEEN_DEMO_ANSWERS | {"work_email": "x"}}, format="json"),
            "valid email",
        ),
        (
            api.post(url, {"answers": KEEN_DEMO_ANSWERS | {"timeline": "1999"}}, format="json"),
            "timeline",
        ),
        (
            api.post(
                url,
                {"answers": KEEN_DEMO_ANSWERS, "capture": {"utm_sorce": "x"}},
                format="json",
            ),
            "utm_sorce",
        ),
        (
            api.post(
                url,
                {"answers": KEEN_DEMO_ANSWERS, "capture": {"page_views": -3}},
                format="json",
            ),
            "page_views",
        ),
        (api.post(url, {"answers": KEEN_DEMO_ANSWERS, "extra": 1}, format="json"), "extra"),
    ]
    missing = {k: v for k, v in KEEN_DEMO_ANSWERS.items() if k != "company"}
    cases.append((api.post(url, {"answers": missing}, format="json"), "company"))

    for response, expected in cases:
        assert response.status_code == 400, response.content
        assert expected.lower() in response.content.decode().lower(), response.content
    assert Lead.objects.count() == 0


def test_calls_without_a_token_or_the_right_role_are_refused(scored_demo_form, sam):
    anonymous = APIClient().post(
        "/api/v1/forms/demo/leads", {"answers": KEEN_DEMO_ANSWERS}, format="json"
    )
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"] == "Token"
    rep = client_for(sam).post(
        "/api/v1/forms/demo/leads", {"answers": KEEN_DEMO_ANSWERS}, format="json"
    )
    assert rep.status_code == 403 and "marketer role" in rep.json()["detail"]
    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert wrong.get("/api/v1/forms/demo/leads").status_code == 401
    assert Lead.objects.count() == 0


def test_an_idempotency_key_makes_a_retry_return_the_same_lead(scored_demo_form, api, marketer):
    body = {"answers": KEEN_DEMO_ANSWERS, "idempotency_key": "crm-4711"}

    first = api.post("/api/v1/forms/demo/leads", body, format="json")
    again = api.post("/api/v1/forms/demo/leads", body, format="json")

    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert Lead.objects.count() == 1
    other_form = Form.objects.create(name="Other", slug="other", status=Form.Status.PUBLISHED)
    assert (
        api.post(
            "/api/v1/forms/other/leads",
            {"answers": {}, "idempotency_key": "crm-4711"},
            format="json",
        ).status_code
        == 201
    )
    assert Lead.objects.filter(form=other_form).count() == 1


def test_a_draft_form_refuses_leads_and_says_why(make_form, api):
    make_form(("E-mail", "email", {}), slug="draft", status=Form.Status.DRAFT)
    response = api.post("/api/v1/forms/draft/leads", {"answers": {}}, format="json")
    assert response.status_code == 409 and "publish it" in response.json()["detail"]
    assert api.post("/api/v1/forms/none/leads", {"answers": {}}, format="json").status_code == 404


def test_scoring_without_storing_returns_the_same_score_a_submission_gets(scored_demo_form, api):
    scored = api.post("/api/v1/forms/demo/score", {"answers": KEEN_DEMO_ANSWERS}, format="json")
    assert scored.status_code == 200 and Lead.objects.count() == 0

    stored = api.post("/api/v1/forms/demo/leads", {"answers": KEEN_DEMO_ANSWERS}, format="json")
    for key in ("score", "probability", "tier", "points_score", "model_version", "factors"):
        assert scored.json()[key] == stored.json()[key]


def test_leads_are_listed_newest_first_with_filters_and_pages(scored_demo_form, api):
    for seed in range(7):
        assert (
            api.post(
                "/api/v1/forms/demo/leads", {"answers": demo_answers(seed)}, format="json"
            ).status_code
            == 201
        )
    Lead.objects.filter(pk=Lead.objects.order_by("id").first().pk).update(
        created_at=timezone.now() - timedelta(days=30)
    )

    page = api.get("/api/v1/forms/demo/leads?limit=3").json()
    assert page["count"] == 7 and len(page["results"]) == 3 and page["next"]
    listed = [lead["created_at"] for lead in page["results"]]
    assert listed == sorted(listed, reverse=True)

    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert api.get("/api/v1/forms/demo/leads", {"since": since}).json()["count"] == 6
    for tier in Lead.Tier.values:
        results = api.get(f"/api/v1/forms/demo/leads?tier={tier}&limit=500").json()["results"]
        assert all(lead["tier"] == tier for lead in results)
        assert len(results) == Lead.objects.filter(tier=tier).count()
    bad = api.get("/api/v1/forms/demo/leads?tier=hot")
    assert bad.status_code == 400 and "sales_ready" in bad.json()["tier"][0]
    bad_since = api.get("/api/v1/forms/demo/leads?since=yesterday")
    assert bad_since.status_code == 400 and "wrong format" in bad_since.json()["since"][0]


def test_reps_read_and_close_their_own_leads_and_outcomes_feed_the_timeline(
    contact_form, round_robin_rule, api, sam, riley, alex
):
    created = api.post(
        "/api/v1/forms/contact/leads",
        {"answers": {"full_name": "Ann Buyer", "timeline": "within_1_month"}},
        format="json",
    ).json()
    reps = {rep.username: rep for rep in (sam, riley, alex)}
    owner = reps.pop(created["assigned_to"]["username"])
    other = next(iter(reps.values()))
    lead_url = f"/api/v1/leads/{created['id']}"

    assert client_for(owner).get(lead_url).json()["answers"]["full_name"] == "Ann Buyer"
    assert client_for(other).get(lead_url).status_code == 404
    rep = client_for(owner)
    no_amount = rep.post(f"{lead_url}/outcome", {"status": "won"}, format="json")
    assert no_amount.status_code == 400 and "amount" in no_amount.json()
    unknown = rep.post(f"{lead_url}/outcome", {"status": "maybe"}, format="json")
    assert unknown.status_code == 400 and "status" in unknown.json()

    won = rep.post(f"{lead_url}/outcome", {"status": "won", "amount": "1250.50"}, format="json")

    assert won.status_code == 200
    assert won.json()["status"] == "won" and won.json()["won_amount"] == "1250.50"
    lead = Lead.objects.get(public_id=created["id"])
    assert lead.status == Lead.Status.WON and str(lead.won_amount) == "1250.50"
    event = LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.STATUS).get()
    assert "Marked won" in event.message


def test_a_token_made_by_the_command_authenticates(scored_demo_form, marketer, capsys):
    call_command("drf_create_token", "morgan")
    key = Token.objects.get(user=marketer).key
    assert key in capsys.readouterr().out
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/forms/demo/leads").status_code == 200


def test_the_lead_json_never_shows_the_client_address(scored_demo_form, api):
    lead = Lead.objects.create(
        form=scored_demo_form,
        answers={},
        capture={"ip": "203.0.113.9", "utm_source": "x"},
        created_at=timezone.now(),
        source=Lead.Source.FORM,
    )
    shown = api.get(f"/api/v1/leads/{lead.public_id}").json()
    assert shown["capture"] == {"utm_source": "x"}


def test_too_many_submissions_get_a_429_and_store_nothing_more(scored_demo_form, api, settings):
    settings.FORMSCORE_API_SUBMIT_RATE = "2/minute"
    body = {"answers": KEEN_DEMO_ANSWERS}
    statuses = [
        api.post("/api/v1/forms/demo/leads", body, format="json").status_code for _ in "abc"
    ]
    assert statuses == [201, 201, 429]
    assert Lead.objects.count() == 2
    assert api.get("/api/v1/forms/demo/leads").status_code == 200  # reading is not throttled


def test_scoring_without_storing_is_throttled_too(scored_demo_form, api, settings):
    settings.FORMSCORE_API_SCORE_RATE = "2/minute"
    body = {"answers": KEEN_DEMO_ANSWERS}
    responses = [api.post("/api/v1/forms/demo/score", body, format="json") for _ in "abc"]

    assert [response.status_code for response in responses] == [200, 200, 429]
    refused = responses[-1]
    assert "throttled" in refused.json()["detail"]
    assert 1 <= int(refused["Retry-After"]) <= 60
    submitted = api.post("/api/v1/forms/demo/leads", body, format="json")
    assert submitted.status_code == 201  # each operation has its own budget
