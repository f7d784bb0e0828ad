"""Tier thresholds and points rules, validated on the server."""

import pytest

from forms_app.models import Form
from scoring.models import PointsRule


@pytest.mark.parametrize(
    ("marketing_qualified", "sales_ready"),
    [(70, 70), (80, 60), (0, 50), (50, 101)],
)
def test_thresholds_out_of_order_are_refused(
    marketer_client, draft_form, marketing_qualified, sales_ready
):
    response = marketer_client.post(
        "/app/forms/pricing/scoring/thresholds/",
        {"marketing_qualified": marketing_qualified, "sales_ready": sales_ready},
    )
    assert response.status_code == 422
    form = Form.objects.get()
    assert (form.marketing_qualified_threshold, form.sales_ready_threshold) == (60, 80)


def test_thresholds_in_order_are_saved(marketer_client, draft_form):
    response = marketer_client.post(
        "/app/forms/pricing/scoring/thresholds/", {"marketing_qualified": 40, "sales_ready": 75}
    )
    assert response.status_code == 302
    form = Form.objects.get()
    assert (form.marketing_qualified_threshold, form.sales_ready_threshold) == (40, 75)
    page = marketer_client.get("/app/forms/pricing/scoring/").content.decode()
    assert "75–100" in page and "40–74" in page and "0–39" in page


def _add(client, **data):
    return client.post("/app/forms/pricing/scoring/rules/", data)


def test_a_rule_on_a_choice_is_built_by_picking_its_choices_and_stores_values(
    marketer_client, draft_form
):
    response = _add(
        marketer_client,
        field="answer:timeline",
        operator="in",
        choices=["now", "later"],
        points=20,
    )
    assert response.status_code == 302
    rule = PointsRule.objects.get()
    assert (rule.source, rule.key, rule.operator, rule.value, rule.points) == (
        "answer",
        "timeline",
        "in",
        ["now", "later"],
        20,
    )
    page = marketer_client.get("/app/forms/pricing/scoring/").content.decode()
    assert "Right now or Later this year" in page


def test_a_typed_value_is_one_value_never_split_at_commas(marketer_client, draft_form):
    response = _add(
        marketer_client, field="answer:timeline", operator="in", value="Right now, later", points=5
    )
    assert response.status_code == 422
    assert (
        "“Timeline” has no choice “Right now, later”; pick from “Right now” or “Later this year”."
        in response.content.decode()
    )
    assert PointsRule.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"field": "answer:timeline", "operator": "equals", "choices": "soon"},
            "has no choice “soon”; pick from “Right now” or “Later this year”",
        ),
        ({"field": "answer:timeline", "operator": "gte", "value": "3"}, "does not apply to it"),
        ({"field": "answer:budget", "operator": "gte", "value": "lots"}, "needs a number"),
        ({"field": "answer:timeline", "operator": "in"}, "Pick at least one choice of"),
        (
            {"field": "answer:work_e_mail", "operator": "email_domain_kind", "value": "gmail"},
            "Write one of: business, free, none",
        ),
        (
            {"field": "answer:budget", "operator": "email_domain_kind", "value": "free"},
            "“Budget” is a number: “e-mail domain is” does not apply to it; use “is”, “is not”,"
            " “is at least”, “is at most” or “is answered”.",
        ),
        ({"field": "answer:nope", "operator": "is_set", "value": ""}, "Select a valid choice"),
    ],
)
def test_bad_rules_are_refused_with_a_reason(marketer_client, draft_form, data, message):
    response = _add(marketer_client, points=10, **data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert PointsRule.objects.count() == 0


def test_rules_on_visitor_signals_and_email_domains(marketer_client, draft_form):
    _add(marketer_client, field="capture:utm_source", operator="equals", value="google", points=5)
    _add(
        marketer_client,
        field="answer:work_e_mail",
        operator="email_domain_kind",
        value="free",
        points=-15,
    )
    _add(marketer_client, field="answer:budget", operator="gte", value="10000", points=25)
    assert [(r.key, r.value, r.points) for r in PointsRule.objects.all()] == [
        ("utm_source", "google", 5),
        ("work_e_mail", "free", -15),
        ("budget", 10000, 25),
    ]


def test_a_rule_is_edited_and_removed(marketer_client, draft_form):
    _add(marketer_client, field="answer:timeline", operator="equals", value="now", points=20)
    rule = PointsRule.objects.get()
    response = marketer_client.post(
        f"/app/forms/pricing/scoring/rules/{rule.pk}/",
        {
            f"rule{rule.pk}-field": "answer:timeline",
            f"rule{rule.pk}-operator": "not_equals",
            f"rule{rule.pk}-value": "Later this year",
            f"rule{rule.pk}-points": "-5",
        },
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.operator, rule.value, rule.points) == ("not_equals", "later", -5)

    marketer_client.post(f"/app/forms/pricing/scoring/rules/{rule.pk}/remove/")
    assert PointsRule.objects.count() == 0


def test_the_scoring_page_costs_the_same_queries_for_many_rules(
    marketer_client, draft_form, django_assert_max_num_queries
):
    for n in range(15):
        PointsRule.objects.create(
            form=draft_form, key="timeline", operator="equals", value="now", points=n
        )
    with django_assert_max_num_queries(11):  # 7, and 4 for the what-if
        assert marketer_client.get("/app/forms/pricing/scoring/").status_code == 200


def test_trying_the_points_on_a_lead_says_which_rules_apply_and_why_the_others_do_not(
    marketer_client, draft_form
):
    from django.utils import timezone

    from forms_app.models import Lead

    _add(marketer_client, field="answer:timeline", operator="in", choices=["now"], points=30)
    _add(marketer_client, field="answer:budget", operator="gte", value="10000", points=25)
    lead = Lead.objects.create(
        form=draft_form,
        answers={"timeline": "later", "budget": 20000},
        capture={},
        created_at=timezone.now(),
    )
    page = marketer_client.get(f"/app/forms/pricing/scoring/?lead={lead.pk}").content.decode()
    assert f"<strong>Lead #{lead.pk}</strong>: 25 points" in page
    assert "Timeline is Later this year, not Right now" in page
    assert "applies, +25" in page


def test_a_stored_rule_that_can_never_apply_is_flagged_with_why(marketer_client, draft_form):
    PointsRule.objects.create(
        form=draft_form, key="timeline", operator="in", value=["Right now"], points=20
    )
    page = marketer_client.get("/app/forms/pricing/scoring/").content.decode()
    assert "Never applies" in page
    assert "“Timeline” is compared with the label “Right now”, not its stored value" in page
