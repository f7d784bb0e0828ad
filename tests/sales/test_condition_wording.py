"""Conditions read in the questions' own words wherever a person meets them: the factors stored on
a lead, its page, Slack, e-mail and webhooks, the routing and points pages, the preview."""

import pytest

from forms_app.capture.submit import lead_capture
from forms_app.models import Notification, Question, RoutingRule
from forms_app.scoring_adapter import points_rules_labelled
from scoring.models import PointsRule
from tests.helpers.webhooks import endpoint_at

ANSWERS = {
    "full_name": "Ada Lovelace",
    "company": "Analytical Engines",
    "work_email": "ada@engines.example",
    "team_size": 240,
    "timeline": "within_1_month",
}


@pytest.fixture
def worded_form(contact_form):
    """The contact form with points rules on a choice, a number, an e-mail and a capture signal."""
    rules = [
        ("answer", "timeline", "in", ["within_1_month", "later"], 30),
        ("answer", "team_size", "gte", 200, 25),
        ("answer", "work_email", "email_domain_kind", "business", 15),
        ("capture", "key_pages", "contains", "/pricing", 10),
    ]
    for position, (source, key, operator, value, points) in enumerate(rules):
        PointsRule.objects.create(
            form=contact_form,
            source=source,
            key=key,
            operator=operator,
            value=value,
            points=points,
            position=position,
        )
    return contact_form


WORDS = [
    "When do you want to start? is Within 1 month or Later",
    "Team size is at least 200",
    "Work e-mail is a business address",
    "Key pages visited contains /pricing",
]


def test_the_points_rules_are_read_with_their_wording_in_one_query(
    worded_form, django_assert_num_queries
):
    with django_assert_num_queries(1):
        rules = points_rules_labelled(worded_form)

    assert [rule["label"] for rule in rules] == WORDS
    assert rules[0] == {
        "source": "answer",
        "key": "timeline",
        "operator": "in",
        "value": ["within_1_month", "later"],
        "points": 30,
        "label": WORDS[0],
    }


def test_a_rule_on_a_removed_question_keeps_its_words_and_a_capture_rule_ignores_questions(
    worded_form,
):
    Question.objects.filter(form=worded_form, key="team_size").update(archived=True)
    Question.objects.create(form=worded_form, key="key_pages", label="Pages?", kind="short_text")

    labels = [rule["label"] for rule in points_rules_labelled(worded_form)]

    assert labels == WORDS


def test_a_lead_scored_by_points_stores_its_factors_in_words_and_sends_them(
    worded_form, team, receiver
):
    RoutingRule.objects.create(
        form=worded_form,
        name="Everyone",
        team=team,
        action=RoutingRule.Action.ROUND_ROBIN,
        notify_slack_url=f"{receiver.url}/slack",
        webhook_endpoint=endpoint_at(f"{receiver.url}/crm"),
        notify_emails="rep",
    )

    lead = lead_capture(form=worded_form, answers=ANSWERS, capture={"key_pages": ["/pricing"]}).lead

    assert [factor["label"] for factor in lead.factors] == WORDS
    payloads = {n.channel: n.payload for n in Notification.objects.filter(lead=lead)}
    assert [f["label"] for f in payloads["webhook"]["data"]["lead"]["factors"]] == WORDS
    assert (
        "• When do you want to start? is Within 1 month or Later  +30"
        in (payloads["slack"]["text"])
    )
    assert "  Team size is at least 200  +25" in payloads["email"]["body"]


def test_the_lead_page_shows_the_factors_in_words(client, marketer, worded_form):
    lead = lead_capture(form=worded_form, answers=ANSWERS, capture={}).lead
    client.force_login(marketer)

    html = client.get(f"/app/inbox/{lead.pk}/").content.decode()

    assert "When do you want to start? is Within 1 month or Later" in html
    assert "Work e-mail is a business address" in html


def test_the_routing_page_writes_conditions_in_the_questions_words(client, marketer, contact_form):
    RoutingRule.objects.create(
        form=contact_form,
        name="Big teams",
        action=RoutingRule.Action.NOTIFY_ONLY,
        conditions=[
            {"source": "tier", "key": "", "operator": "in", "value": ["sales_ready"]},
            {"source": "answer", "key": "timeline", "operator": "in", "value": "within_1_month"},
            {"source": "answer", "key": "team_size", "operator": "gte", "value": "200"},
            {"source": "capture", "key": "utm_source", "operator": "in", "value": "google, ads"},
        ],
    )
    client.force_login(marketer)

    html = client.get("/app/forms/contact/routing/").content.decode()

    assert "Tier is Sales-ready" in html
    assert "When do you want to start? is Within 1 month" in html
    assert "Team size is at least 200" in html
    assert "UTM source is google or ads" in html


def test_the_points_page_writes_each_rule_as_a_sentence(client, marketer, worded_form):
    client.force_login(marketer)

    html = client.get("/app/forms/contact/scoring/").content.decode()

    for words in WORDS:
        assert words in html
