"""The inbox over HTTP: search, filters by rep and date, bulk reassign and bulk outcomes."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from forms_app.models import Contact, Lead, LeadEvent
from forms_app.sales.learning import outcomes_since_training
from forms_app.workspace.workspace_settings import workspace_settings_update

PEOPLE = [
    ("Ada Lovelace", "ada@engines.example", "Analytical Engines"),
    ("Grace Hopper", "grace@compilers.example", "Compilers Inc"),
    ("Alan Turing", "alan@bletchley.example", "Bletchley Labs"),
]


def person_lead(form, rep, name, email, company, *, score=70, days_ago=0, **fields) -> Lead:
    contact, _ = Contact.objects.get_or_create(
        email_normalized=email,
        defaults={
            "email": email,
            "name": name,
            "company": company,
            "company_domain": email.split("@")[1],
        },
    )
    created = timezone.now() - timedelta(days=days_ago, minutes=5)
    return Lead.objects.create(
        form=form,
        contact=contact,
        answers={"full_name": name, "company": company, "work_email": email},
        created_at=created,
        score=score,
        tier="sales_ready" if score >= 80 else "marketing_qualified",
        scored_at=created,
        assigned_to=rep,
        **fields,
    )


@pytest.fixture
def people(contact_form, sam, riley):
    return {
        "ada": person_lead(contact_form, sam, *PEOPLE[0], score=92),
        "grace": person_lead(contact_form, sam, *PEOPLE[1], score=75, days_ago=10),
        "alan": person_lead(contact_form, riley, *PEOPLE[2], score=60, days_ago=40),
    }


def shown(client, query=""):
    return {row[0].pk for row in client.get(f"/app/inbox/?{query}").context["rows"]}


def test_search_finds_people_by_name_e_mail_or_company_ignoring_case(client, marketer, people):
    client.force_login(marketer)

    assert shown(client, "q=lovelace") == {people["ada"].pk}
    assert shown(client, "q=GRACE%40compilers") == {people["grace"].pk}
    assert shown(client, "q=bletchley") == {people["alan"].pk}
    assert shown(client, "q=ada+engines") == {people["ada"].pk}  # every word, any field
    assert shown(client, "q=ada+compilers") == set()


def test_a_rep_searches_only_their_own_leads(client, sam, people):
    client.force_login(sam)
    assert shown(client, "q=turing") == set()
    assert shown(client, "q=example") == {people["ada"].pk, people["grace"].pk}


def test_filters_by_rep_unassigned_and_received_dates(client, marketer, riley, people):
    client.force_login(marketer)
    unassigned = person_lead(people["ada"].form, None, "Kay", "kay@x.example", "X Co")
    today = timezone.localdate()

    assert shown(client, f"rep={riley.pk}") == {people["alan"].pk}
    assert shown(client, "rep=none") == {unassigned.pk}
    since = (today - timedelta(days=14)).isoformat()
    assert shown(client, f"from={since}") == {people["ada"].pk, people["grace"].pk, unassigned.pk}
    until = (today - timedelta(days=5)).isoformat()
    assert shown(client, f"from={since}&to={until}") == {people["grace"].pk}
    assert shown(client, "from=not-a-date") == shown(client, "")  # a bad date is ignored


def test_an_empty_result_offers_to_clear_the_filters(client, marketer, people):
    client.force_login(marketer)
    html = client.get("/app/inbox/?q=nobody-like-this").content.decode()
    assert "No leads here" in html
    assert "Nothing matches “nobody-like-this”" in html
    assert 'href="/app/inbox/">Clear filters' in html


def test_filters_stay_in_the_pager_links(client, marketer, contact_form, sam):
    for n in range(55):
        person_lead(contact_form, sam, f"Person {n}", f"p{n}@acme.example", "Acme")
    client.force_login(marketer)
    html = client.get("/app/inbox/?q=acme&tier=marketing_qualified").content.decode()
    assert "Page 1 of 2" in html
    assert "?q=acme&amp;tier=marketing_qualified&amp;page=2" in html


def test_the_inbox_costs_the_same_queries_searched_and_filtered(
    client, marketer, contact_form, sam, django_assert_num_queries
):
    for n in range(30):
        person_lead(contact_form, sam, f"Person {n}", f"p{n}@acme.example", "Acme")
    client.force_login(marketer)
    client.get("/app/inbox/")  # the session and the user's roles, once
    query = f"q=acme+person&tier=marketing_qualified&rep={sam.pk}&from=2020-01-01&form=contact"
    # session, user, groups, the page's count and rows, forms, reps, the currency
    with django_assert_num_queries(8):
        assert client.get(f"/app/inbox/?{query}").status_code == 200


def test_a_manager_reassigns_several_leads_at_once(client, marketer, riley, people):
    client.force_login(marketer)
    picked = [people["ada"].pk, people["grace"].pk]
    response = client.post(
        "/app/inbox/bulk/",
        {"lead": picked, "action": "reassign", "assignee": riley.pk, "filters": "q=example"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<div id="lead-table"')
    assert "2 leads reassigned to Riley Rep." in html
    assert set(Lead.objects.filter(pk__in=picked).values_list("assigned_to", flat=True)) == {
        riley.pk
    }
    events = LeadEvent.objects.filter(lead__in=picked, kind=LeadEvent.Kind.REASSIGNED)
    assert events.count() == 2
    assert all(e.message == "Reassigned to Riley Rep by Morgan Marketer" for e in events)


def test_a_bulk_won_reads_the_amount_and_counts_for_retraining(client, sam, people):
    client.force_login(sam)
    picked = [people["ada"].pk, people["grace"].pk]
    response = client.post(
        "/app/inbox/bulk/",
        {"lead": picked, "action": "outcome", "status": "won", "amount": "$24,000"},
        HTTP_HX_REQUEST="true",
    )

    assert "2 leads marked won ($24,000.00 each, $48,000.00 in all)." in response.content.decode()
    for lead in Lead.objects.filter(pk__in=picked):
        assert lead.status == "won" and lead.won_amount == Decimal("24000")
        assert lead.events.get(kind="status").message.startswith(
            "Marked won by Sam Seller: $24,000.00 on"
        )
    assert outcomes_since_training(people["ada"].form) == 2


def test_a_bulk_outcome_works_without_javascript(client, sam, people):
    client.force_login(sam)
    response = client.post(
        "/app/inbox/bulk/",
        {
            "lead": [people["grace"].pk],
            "action": "outcome",
            "status": "lost",
            "reason": "went with a competitor",
            "filters": "tier=marketing_qualified",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/app/inbox/?tier=marketing_qualified"
    page = client.get(response["Location"]).content.decode()
    assert "1 lead marked lost." in page
    people["grace"].refresh_from_db()
    assert people["grace"].status == "lost"
    assert people["grace"].outcome_reason == "went with a competitor"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "outcome", "status": "won", "amount": "lots"}, "Amount: Enter an amount"),
        ({"action": "outcome", "status": "won"}, "Enter the amount won."),
        ({"action": "outcome", "status": "unqualified"}, "Say why the lead is unqualified."),
        ({"action": "reassign", "assignee": ""}, "Choose the rep to reassign the leads to."),
        ({"action": "explode"}, "Choose an action"),
    ],
)
def test_a_refused_bulk_action_says_why_in_a_short_message_and_changes_nothing(
    client, sam, people, data, message
):
    client.force_login(sam)
    response = client.post(
        "/app/inbox/bulk/", {"lead": [people["ada"].pk], **data}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    assert response["Content-Type"].startswith("text/plain")
    assert message in response.content.decode()
    people["ada"].refresh_from_db()
    assert people["ada"].status == "new" and people["ada"].assigned_to.username == "sam"


def test_nothing_selected_is_refused(client, sam, people):
    client.force_login(sam)
    response = client.post(
        "/app/inbox/bulk/", {"action": "outcome", "status": "lost"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    assert response.content.decode() == "Select at least one lead."


def test_a_rep_cannot_bulk_change_another_reps_lead(client, sam, people):
    client.force_login(sam)
    response = client.post(
        "/app/inbox/bulk/",
        {"lead": [people["ada"].pk, people["alan"].pk], "action": "outcome", "status": "lost"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert "1 of the selected leads is no longer in your inbox" in response.content.decode()
    assert not Lead.objects.filter(status="lost").exists()  # all or none


def test_the_inbox_page_has_the_bulk_controls_and_search(client, marketer, people):
    client.force_login(marketer)
    html = client.get("/app/inbox/").content.decode()
    assert 'type="search" name="q"' in html
    assert f'name="lead" value="{people["ada"].pk}"' in html
    assert "data-select-all" in html
    assert ">Reassign</button>" in html and ">Apply</button>" in html


def test_amounts_show_in_the_workspace_currency(client, sam, people):
    workspace_settings_update(currency="EUR")
    client.force_login(sam)
    response = client.post(
        f"/app/inbox/{people['ada'].pk}/outcome/",
        {"status": "won", "amount": "24.000,50"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "€24,000.50" in response.content.decode()
    refused = client.post(
        f"/app/inbox/{people['grace'].pk}/outcome/",
        {"status": "won", "amount": "$5,000"},
        HTTP_HX_REQUEST="true",
    )
    assert refused.status_code == 422
    assert "Amounts are in EUR" in refused.content.decode()


def test_a_refused_reassign_says_why_in_words(client, marketer, people):
    client.force_login(marketer)
    url = f"/app/inbox/{people['ada'].pk}/reassign/"
    refused = client.post(url, {"assignee": "999"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 400
    assert refused["Content-Type"].startswith("text/plain")
    assert refused.content.decode() == "Choose one of the listed reps."

    page = client.post(url, {"assignee": "999"}, follow=True).content.decode()
    assert "Choose one of the listed reps." in page  # without JavaScript: on the lead's page


def test_a_refused_amount_without_javascript_shows_on_the_lead_page(client, sam, people):
    client.force_login(sam)
    url = f"/app/inbox/{people['ada'].pk}/outcome/"
    page = client.post(url, {"status": "won", "amount": "$24,000 maybe"}, follow=True)
    assert "amount: Enter an amount like 24,000 or 24000.50." in page.content.decode()
    people["ada"].refresh_from_db()
    assert people["ada"].status == "new"


def test_one_lead_won_in_bulk_is_said_without_each(client, sam, people):
    client.force_login(sam)
    response = client.post(
        "/app/inbox/bulk/",
        {"lead": [people["ada"].pk], "action": "outcome", "status": "won", "amount": "1.2k"},
        HTTP_HX_REQUEST="true",
    )
    assert "1 lead marked won ($1,200.00)." in response.content.decode()
