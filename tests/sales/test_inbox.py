"""The sales inbox over HTTP: who sees what, the lead page, one-click outcomes and reassigning."""

from datetime import timedelta

import pytest
from django.utils import timezone

from forms_app.models import Lead, LeadEvent, RoutingRule, Team

ANSWERS = {
    "full_name": "Ada Lovelace",
    "company": "Analytical Engines",
    "work_email": "ada@engines.example",
    "team_size": 40,
    "timeline": "within_1_month",
}


def lead_for(form, rep, *, score=70, tier="marketing_qualified", minutes_ago=5, **fields) -> Lead:
    created = timezone.now() - timedelta(minutes=minutes_ago)
    return Lead.objects.create(
        form=form,
        answers=fields.pop("answers", ANSWERS),
        capture={"utm_source": "linkedin", "device": "desktop"},
        created_at=created,
        score=score,
        probability=score / 200,
        points_score=score - 10,
        tier=tier,
        scored_at=created,
        assigned_to=rep,
        sla_due_at=created + timedelta(minutes=60),
        **fields,
    )


def hx(client, url, data):
    return client.post(url, data, HTTP_HX_REQUEST="true")


@pytest.fixture
def leads(contact_form, sam, riley):
    return {
        "sam_hot": lead_for(contact_form, sam, score=92, tier="sales_ready"),
        "sam_cold": lead_for(contact_form, sam, score=31, tier="nurture"),
        "riley_hot": lead_for(contact_form, riley, score=95, tier="sales_ready"),
    }


def test_a_rep_sees_only_their_leads_best_first(client, sam, leads):
    client.force_login(sam)
    response = client.get("/app/inbox/")

    assert response.status_code == 200
    ids = [row[0].pk for row in response.context["rows"]]
    assert ids == [leads["sam_hot"].pk, leads["sam_cold"].pk]


def test_a_manager_sees_every_lead_ordered_by_score_then_recency(client, marketer, leads):
    newer = lead_for(leads["sam_hot"].form, None, score=92, tier="sales_ready", minutes_ago=1)
    client.force_login(marketer)
    ids = [row[0].pk for row in client.get("/app/inbox/").context["rows"]]

    assert ids == [leads["riley_hot"].pk, newer.pk, leads["sam_hot"].pk, leads["sam_cold"].pk]
    assert "Unassigned" in client.get("/app/inbox/").content.decode()


def test_the_inbox_filters_by_tier_status_form_and_overdue(client, marketer, leads):
    client.force_login(marketer)
    Lead.objects.filter(pk=leads["sam_cold"].pk).update(
        sla_due_at=timezone.now() - timedelta(minutes=3)
    )

    def ids(query):
        return {row[0].pk for row in client.get(f"/app/inbox/?{query}").context["rows"]}

    assert ids("tier=nurture") == {leads["sam_cold"].pk}
    assert ids("overdue=1") == {leads["sam_cold"].pk}
    assert ids("form=contact&tier=sales_ready") == {leads["sam_hot"].pk, leads["riley_hot"].pk}
    assert ids("form=elsewhere") == set()
    Lead.objects.filter(pk=leads["sam_hot"].pk).update(status="won")
    assert ids("status=won") == {leads["sam_hot"].pk}
    assert leads["sam_hot"].pk not in ids("")  # open leads by default


def test_htmx_filtering_swaps_only_the_table(client, marketer, leads):
    client.force_login(marketer)
    response = client.get("/app/inbox/?tier=nurture", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.startswith('<div id="lead-table"')
    assert "<nav" not in html


def test_a_rep_cannot_see_or_change_another_reps_lead(client, sam, leads):
    client.force_login(sam)
    other = leads["riley_hot"]

    assert client.get(f"/app/inbox/{other.pk}/").status_code == 404
    assert hx(client, f"/app/inbox/{other.pk}/outcome/", {"status": "lost"}).status_code == 404
    assert hx(client, f"/app/inbox/{other.pk}/feedback/", {"reason": "x"}).status_code == 404
    response = hx(client, f"/app/inbox/{other.pk}/reassign/", {"assignee": sam.pk})
    assert response.status_code == 404
    other.refresh_from_db()
    assert (other.status, other.assigned_to.username) == ("new", "riley")


def test_reps_and_routing_pages_are_for_marketers_only(client, sam, marketer, contact_form):
    client.force_login(sam)
    assert client.get("/app/reps/").status_code == 403
    assert client.get(f"/app/reps/{sam.pk}/").status_code == 403
    assert client.get("/app/forms/contact/routing/").status_code == 403
    client.force_login(marketer)
    assert client.get("/app/reps/").status_code == 200
    assert client.get("/app/forms/contact/routing/").status_code == 200


def test_an_anonymous_visitor_is_sent_to_log_in(client, leads):
    response = client.get(f"/app/inbox/{leads['sam_hot'].pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_lead_page_shows_answers_in_the_questions_wording(client, sam, leads):
    lead = leads["sam_hot"]
    lead.factors = [
        {"feature": "timeline", "label": "Timeline: Within 1 month", "impact": 18},
        {"feature": "role", "label": "Role: Student", "impact": -9},
    ]
    lead.save()
    LeadEvent.objects.create(lead=lead, kind="routed", message="Routed by rule “Hot” to Sam")
    client.force_login(sam)
    html = client.get(f"/app/inbox/{lead.pk}/").content.decode()

    assert "When do you want to start?" in html and "Within 1 month" in html
    assert "Timeline: Within 1 month" in html and "+18" in html
    assert "Role: Student" in html and "−9" in html
    assert "46 %" in html  # probability
    assert "Routed by rule “Hot” to Sam" in html
    assert "UTM source" in html and "linkedin" in html
    assert "left" in html  # the SLA countdown


def test_answers_are_escaped_on_the_lead_page(client, sam, contact_form):
    lead = lead_for(contact_form, sam, answers={**ANSWERS, "company": "<script>alert(1)</script>"})
    client.force_login(sam)
    html = client.get(f"/app/inbox/{lead.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_an_overdue_lead_says_so(client, sam, contact_form):
    lead = lead_for(contact_form, sam, minutes_ago=90)
    client.force_login(sam)
    assert "Overdue 30 min" in client.get(f"/app/inbox/{lead.pk}/").content.decode()


def test_marking_won_with_an_amount_is_one_htmx_request(client, sam, leads):
    lead = leads["sam_hot"]
    client.force_login(sam)
    response = hx(
        client,
        f"/app/inbox/{lead.pk}/outcome/",
        {"status": "won", "amount": "12,500.50", "won_on": "2026-11-20"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="lead-actions"' in html and 'hx-swap-oob="true"' in html
    lead.refresh_from_db()
    assert lead.status == "won"
    assert str(lead.won_amount) == "12500.50"
    assert lead.won_on.isoformat() == "2026-11-20"
    assert lead.first_contacted_at is not None
    assert lead.status_changed_at is not None
    assert "Marked won by Sam Seller: $12,500.50 on 2026-11-20" in html


@pytest.mark.parametrize("status", ["contacted", "qualified", "lost"])
def test_one_click_outcomes(client, sam, leads, status):
    lead = leads["sam_cold"]
    client.force_login(sam)
    assert hx(client, f"/app/inbox/{lead.pk}/outcome/", {"status": status}).status_code == 200
    lead.refresh_from_db()
    assert lead.status == status
    assert lead.events.filter(kind="status").count() == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"status": "unqualified"}, "reason", "Say why the lead is unqualified."),
        ({"status": "won"}, "amount", "Enter the amount won."),
        ({"status": "won", "amount": "lots"}, "amount", "Enter an amount like 24,000"),
        ({"status": "won", "amount": "5", "won_on": "soon"}, "won_on", "Enter a date like"),
        ({"status": "won", "amount": "-5"}, "amount", "cannot be negative"),
        ({"status": "won", "amount": "1e13"}, "amount", "Enter an amount like"),
        ({"status": "won", "amount": "2,000,000,000,000"}, "amount", "between 0 and"),
        ({"status": "promoted"}, "status", "Unknown outcome"),
    ],
)
def test_a_bad_outcome_is_refused_with_the_field_and_problem(
    client, sam, leads, data, field, message
):
    lead = leads["sam_cold"]
    client.force_login(sam)
    response = hx(client, f"/app/inbox/{lead.pk}/outcome/", data)
    assert response.status_code == 422
    assert message in response.content.decode()
    lead.refresh_from_db()
    assert lead.status == "new"


def test_unqualified_needs_and_keeps_a_reason(client, sam, leads):
    lead = leads["sam_cold"]
    client.force_login(sam)
    hx(client, f"/app/inbox/{lead.pk}/outcome/", {"status": "unqualified", "reason": "Student"})
    lead.refresh_from_db()
    assert (lead.status, lead.outcome_reason) == ("unqualified", "Student")


def test_the_score_looks_wrong_feedback_is_stored_with_its_reason(client, sam, leads):
    lead = leads["sam_hot"]
    client.force_login(sam)
    response = hx(client, f"/app/inbox/{lead.pk}/feedback/", {"reason": "Two-person agency"})
    assert response.status_code == 200
    lead.refresh_from_db()
    assert lead.score_feedback == "Two-person agency"
    assert "says the score looks wrong: Two-person agency" in response.content.decode()
    assert hx(client, f"/app/inbox/{lead.pk}/feedback/", {"reason": " "}).status_code == 422


def test_outcomes_work_without_javascript(client, sam, leads):
    lead = leads["sam_cold"]
    client.force_login(sam)
    response = client.post(f"/app/inbox/{lead.pk}/outcome/", {"status": "contacted"})
    assert response.status_code == 302
    assert response["Location"] == f"/app/inbox/{lead.pk}/"


def test_a_manager_reassigns_a_lead(client, marketer, riley, leads):
    lead = leads["sam_hot"]
    client.force_login(marketer)
    response = hx(client, f"/app/inbox/{lead.pk}/reassign/", {"assignee": riley.pk})
    assert response.status_code == 200
    lead.refresh_from_db()
    assert lead.assigned_to == riley
    assert "Reassigned to Riley Rep by Morgan Marketer" in response.content.decode()
    assert hx(client, f"/app/inbox/{lead.pk}/reassign/", {"assignee": 9999}).status_code == 400


def test_a_rep_hands_a_lead_over_and_it_leaves_their_inbox(client, sam, riley, leads):
    lead = leads["sam_hot"]
    client.force_login(sam)
    response = hx(client, f"/app/inbox/{lead.pk}/reassign/", {"assignee": riley.pk})
    assert response["HX-Redirect"] == "/app/inbox/"
    assert client.get(f"/app/inbox/{lead.pk}/").status_code == 404


def test_the_next_step_page_can_name_the_assigned_rep(contact_form, sam, leads):
    lead = leads["sam_hot"]
    assert lead.rep.display_name == "Sam Seller"
    assert lead.rep.booking_url == "https://cal.example/sam"
    assert lead_for(contact_form, None).rep is None


def test_a_marketer_sets_up_a_rep_a_team_and_a_rule_and_tries_it(
    client, marketer, sam, riley, contact_form
):
    client.force_login(marketer)
    response = client.post(
        f"/app/reps/{sam.pk}/",
        {
            "display_name": "Sam S.",
            "booking_url": "https://cal.example/s",
            "capacity": "10",
            "active": "on",
        },
    )
    assert response.status_code == 302
    sam.rep_profile.refresh_from_db()
    assert (sam.rep_profile.display_name, sam.rep_profile.capacity) == ("Sam S.", 10)

    response = client.post("/app/reps/teams/new/", {"name": "EMEA", "members": [sam.pk, riley.pk]})
    assert response.status_code == 302
    team = Team.objects.get(name="EMEA")
    assert set(team.members.all()) == {sam, riley}
    assert client.post("/app/reps/teams/new/", {"name": "emea"}).status_code == 422

    rule_fields = {
        "name": "Hot to EMEA",
        "tiers": ["sales_ready"],
        "min_score": "80",
        "c0-field": "capture:country",  # no capture signal records a country: not offered
        "c0-operator": "in",
        "c0-value": "de\nfr",
        "action": "round_robin",
        "team": team.pk,
    }
    assert client.post("/app/forms/contact/routing/new/", rule_fields).status_code == 422

    response = client.post(
        "/app/forms/contact/routing/new/",
        {
            "name": "Hot to EMEA",
            "tiers": ["sales_ready"],
            "min_score": "80",
            "c0-field": "capture:utm_source",
            "c0-operator": "in",
            "c0-value": "google\nlinkedin",
            "action": "round_robin",
            "team": team.pk,
            "notify_emails": "rep",
            "stop_after": "on",
            "enabled": "on",
        },
    )
    assert response.status_code == 302
    rule = RoutingRule.objects.get()
    assert rule.conditions == [
        {"source": "tier", "key": "", "operator": "in", "value": ["sales_ready"]},
        {"source": "score", "key": "", "operator": "gte", "value": 80},
        {
            "source": "capture",
            "key": "utm_source",
            "operator": "in",
            "value": ["google", "linkedin"],
        },
    ]
    page = client.get("/app/forms/contact/routing/").content.decode()
    assert "Hot to EMEA" in page and "Score is at least 80" in page

    hot = lead_for(contact_form, None, score=88, tier="sales_ready")
    Lead.objects.filter(pk=hot.pk).update(capture={"utm_source": "linkedin"})
    preview = client.get(
        f"/app/forms/contact/routing/preview/?lead={hot.pk}", headers={"HX-Request": "true"}
    ).content.decode()
    assert "would go to <strong>Sam S.</strong>" in preview
    assert client.get("/app/forms/contact/routing/preview/?lead=x").status_code == 400
    assert client.get(f"/app/forms/contact/routing/{rule.pk}/").status_code == 200
    assert rule.position == 1

    response = client.post(
        f"/app/forms/contact/routing/{rule.pk}/",
        {"name": "Hot to EMEA", "position": "5", "action": "assign_rep", "rep": riley.pk},
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.position, rule.rep, rule.conditions, rule.enabled) == (5, riley, [], False)
    client.post(f"/app/forms/contact/routing/{rule.pk}/delete/")
    assert not RoutingRule.objects.exists()


def test_a_rule_without_its_team_is_refused_naming_the_field(client, marketer, contact_form):
    client.force_login(marketer)
    response = client.post(
        "/app/forms/contact/routing/new/", {"name": "Broken", "action": "round_robin"}
    )
    assert response.status_code == 422
    assert "Choose the team whose reps share these leads." in response.content.decode()
    assert not RoutingRule.objects.exists()
