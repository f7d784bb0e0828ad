"""Routing as a tab of every form, rule conditions built by picking and checked on save, and
"Try the rules" saying which rule took a lead and why each other one did not."""

import re

import pytest

from forms_app.models import RoutingRule
from forms_app.sales.routing import routing_explain, routing_rule_save
from scoring.conditions import InvalidCondition
from tests.helpers.leads import scored_lead

NEW_RULE = "/app/forms/contact/routing/new/"


@pytest.fixture
def morgan(client, marketer):
    client.force_login(marketer)
    return client


def rule_post(**fields):
    return {
        "name": "Soon to Sam",
        "action": "assign_rep",
        "stop_after": "on",
        "enabled": "on",
        **fields,
    }


def test_routing_is_a_tab_of_the_form_and_in_the_navigation(morgan, contact_form, make_form):
    page = morgan.get("/app/forms/contact/routing/").content.decode()
    assert 'href="/app/forms/contact/routing/" aria-current="page">Routing</a>' in page
    assert 'href="/app/routing/" aria-current="page">Routing</a>' in page
    builder = morgan.get("/app/forms/contact/").content.decode()
    assert 'href="/app/forms/contact/routing/" >Routing</a>' in builder

    # One form: Routing opens its tab; several: a list of them with their rules.
    assert morgan.get("/app/routing/").url == "/app/forms/contact/routing/"
    make_form(("Name", "short_text", {}), slug="webinar")
    overview = morgan.get("/app/routing/").content.decode()
    assert "Contact" in overview and "Webinar" in overview and "Add the first rule" in overview


def test_a_condition_is_saved_from_picked_choices_as_values(morgan, contact_form, sam):
    response = morgan.post(
        NEW_RULE,
        rule_post(
            **{
                "rep": sam.pk,
                "c0-field": "answer:timeline",
                "c0-operator": "in",
                "c0-choices": ["within_1_month"],
            }
        ),
    )
    assert response.status_code == 302
    assert RoutingRule.objects.get().conditions == [
        {"source": "answer", "key": "timeline", "operator": "in", "value": ["within_1_month"]}
    ]
    page = morgan.get("/app/forms/contact/routing/").content.decode()
    assert "When do you want to start? is Within 1 month" in page


@pytest.mark.parametrize(
    ("picked", "message"),
    [
        (
            {"c0-operator": "in", "c0-choices": ["within_a_month"]},
            "“When do you want to start?” has no choice “within_a_month”; pick from"
            " “Within 1 month” or “Later”.",
        ),
        (
            {"c0-operator": "gte", "c0-value": "3"},
            "“When do you want to start?” is a choice question: “is at least” does not apply",
        ),
        ({"c0-operator": "in"}, "Pick at least one choice of “When do you want to start?”"),
    ],
)
def test_a_condition_that_could_never_match_is_refused_with_its_message(
    morgan, contact_form, sam, picked, message
):
    response = morgan.post(
        NEW_RULE, rule_post(rep=sam.pk, **{"c0-field": "answer:timeline", **picked})
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not RoutingRule.objects.exists()


def test_the_service_refuses_a_value_that_is_not_a_choice_whatever_calls_it(contact_form):
    rule = RoutingRule(form=contact_form, name="Typed", action="notify_only")
    condition = {"source": "answer", "key": "timeline", "operator": "equals", "value": "soon"}
    with pytest.raises(InvalidCondition, match="has no choice “soon”"):
        routing_rule_save(rule=rule, conditions=[condition])
    country = {"source": "capture", "key": "country", "operator": "equals", "value": "de"}
    with pytest.raises(InvalidCondition, match="No visitor signal “country” is recorded"):
        routing_rule_save(rule=rule, conditions=[country])
    assert not RoutingRule.objects.exists()


def test_without_javascript_picking_draws_the_choices_and_saves_nothing(morgan, contact_form):
    response = morgan.post(NEW_RULE, rule_post(**{"c0-field": "answer:timeline", "pick": "c0"}))
    page = response.content.decode()
    assert response.status_code == 200 and not RoutingRule.objects.exists()
    assert 'name="c0-operator"' in page and "Within 1 month" in page
    assert 'value="Soon to Sam"' in page  # what was typed stays

    page = morgan.post(NEW_RULE, rule_post(add_condition="1")).content.decode()
    assert 'id="c1-picker"' in page


def test_htmx_draws_the_picker_for_the_picked_subject(morgan, contact_form):
    page = morgan.get(
        "/app/forms/contact/conditions/picker/",
        {"prefix": "c0", "optional": "1", "c0-field": "answer:team_size", "c0-operator": "in"},
        headers={"HX-Request": "true"},
    ).content.decode()
    # A number question: no "is one of"; the first operator that fits, and a number to type.
    assert 'value="in"' not in page and 'value="gte"' in page
    assert 'type="number"' in page


def test_a_rule_saved_before_picking_opens_with_its_choices_ticked(morgan, contact_form):
    rule = RoutingRule.objects.create(
        form=contact_form,
        name="Old",
        action="notify_only",
        conditions=[
            {
                "source": "answer",
                "key": "timeline",
                "operator": "in",
                "value": "within_1_month, later",
            }
        ],
    )
    page = morgan.get(f"/app/forms/contact/routing/{rule.pk}/").content.decode()
    assert page.count("checked") >= 2 and "Within 1 month" in page


def test_try_the_rules_says_which_rule_matched_and_why_the_others_did_not(contact_form, sam):
    def rule(name, position, conditions, **fields):
        return RoutingRule.objects.create(
            form=contact_form,
            name=name,
            position=position,
            conditions=conditions,
            action="assign_rep",
            rep=sam,
            **fields,
        )

    rule(
        "Soon",
        1,
        [{"source": "answer", "key": "timeline", "operator": "in", "value": ["within_1_month"]}],
    )
    rule("Retired", 2, [], enabled=False)
    rule("Hot", 3, [{"source": "score", "key": "", "operator": "gte", "value": 80}])
    rule("Everyone", 4, [])
    rule("Never reached", 5, [])
    lead = scored_lead(contact_form, score=85, tier="sales_ready", answers={"timeline": "later"})

    explanation = routing_explain(form=contact_form, lead=lead)

    assert explanation.decision.assigned_by.name == "Hot"
    assert [(v.rule.name, v.outcome, v.reasons) for v in explanation.verdicts] == [
        ("Soon", "missed", ["When do you want to start? is Later, not Within 1 month"]),
        ("Retired", "off", ["Turned off: it is skipped."]),
        ("Hot", "assigned", ["Assigns Sam Seller."]),
        ("Everyone", "not_reached", ["Not tried: “Hot” matched and stops the list."]),
        ("Never reached", "not_reached", ["Not tried: “Hot” matched and stops the list."]),
    ]
    assert lead.assigned_to is None  # nothing was assigned


def test_try_the_rules_works_without_javascript(morgan, contact_form, sam):
    RoutingRule.objects.create(
        form=contact_form,
        name="Hot",
        position=1,
        action="assign_rep",
        rep=sam,
        conditions=[{"source": "score", "key": "", "operator": "gte", "value": 80}],
    )
    lead = scored_lead(contact_form, score=41, tier="nurture")
    page = morgan.get(f"/app/forms/contact/routing/preview/?lead={lead.pk}").content.decode()
    assert "<h2>Routing</h2>" in page  # the whole page, with the answer in place
    assert "would stay unassigned" in page and "Score is 41, below 80" in page


def test_a_rule_that_stored_labels_is_flagged_as_never_matching_and_opens_ticked(
    morgan, contact_form, sam
):
    # As rules were written before picking: labels typed where the stored values belong.
    rule = RoutingRule.objects.create(
        form=contact_form,
        name="Typed labels",
        position=1,
        action="assign_rep",
        rep=sam,
        conditions=[
            {"source": "answer", "key": "timeline", "operator": "in", "value": ["Within 1 month"]}
        ],
    )
    page = morgan.get("/app/forms/contact/routing/").content.decode()
    assert "Never matches" in page
    assert (
        "“When do you want to start?” is compared with the label “Within 1 month”, not its"
        " stored value, so it never matches" in page
    )
    lead = scored_lead(
        contact_form, score=50, tier="nurture", answers={"timeline": "within_1_month"}
    )
    verdict = routing_explain(form=contact_form, lead=lead).verdicts[0]
    assert verdict.outcome == "missed" and "is compared with the label" in verdict.reasons[0]

    # The editor ticks the choice the label names; saving once stores its value.
    editor = morgan.get(f"/app/forms/contact/routing/{rule.pk}/").content.decode()
    assert re.search(r'value="within_1_month"[^>]*checked', editor)
    morgan.post(
        f"/app/forms/contact/routing/{rule.pk}/",
        rule_post(
            **{
                "name": "Typed labels",
                "rep": sam.pk,
                "c0-field": "answer:timeline",
                "c0-operator": "in",
                "c0-choices": ["within_1_month"],
            }
        ),
    )
    rule.refresh_from_db()
    assert rule.conditions[0]["value"] == ["within_1_month"]
    assert "Never matches" not in morgan.get("/app/forms/contact/routing/").content.decode()
