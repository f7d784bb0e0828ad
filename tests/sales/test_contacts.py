"""Contacts: which question holds a contact detail, repeat leads joining their person, the
person's owner in routing, one inbox row per person, and the submit path staying one lookup."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forms_app.api.serializers import LeadSerializer
from forms_app.capture.submit import lead_capture
from forms_app.models import Contact, Lead, RoutingRule, lead_contact
from forms_app.models.contacts import company_domain, contact_role_inferred
from forms_app.sales.leads import lead_reassign
from forms_app.sales.notifications import webhook_payload
from forms_app.sales.routing import routing_preview
from forms_app.workspace import authoring
from forms_app.workspace.exporting import leads_csv_rows


@pytest.mark.parametrize(
    "kind, label, role",
    [
        ("email", "Where do we write to you?", "email"),
        ("short_text", "Work e-mail", "email"),
        ("short_text", "E-mail address", "email"),
        ("hidden", "email", "email"),
        ("short_text", "Name", "name"),
        ("short_text", "Full name", "name"),
        ("short_text", "Your name", "name"),
        ("short_text", "Company", "company"),
        ("short_text", "Organisation", "company"),
        ("short_text", "Organization name", "company"),
        ("short_text", "Phone", "phone"),
        ("short_text", "Phone number", "phone"),
        ("phone", "How can we reach you?", "phone"),
        ("short_text", "Company size", ""),
        ("short_text", "Job title", ""),
        ("short_text", "Name of your CRM", ""),
        ("number", "Company", ""),
        ("single_choice", "E-mail newsletter?", ""),
        ("long_text", "Your name", ""),
    ],
)
def test_the_obvious_kinds_and_labels_have_a_role(kind, label, role):
    assert contact_role_inferred(kind=kind, label=label) == role


@pytest.fixture
def scratch_form(db):
    """A form built from scratch: its e-mail question's key is not work_email."""
    form = authoring.form_create(name="Talk to sales")
    authoring.question_add(form=form, kind="short_text", label="Work e-mail")
    authoring.question_add(form=form, kind="short_text", label="Full name")
    authoring.question_add(form=form, kind="short_text", label="Organisation")
    authoring.question_add(form=form, kind="number", label="Seats")
    authoring.form_publish(form=form)
    form.refresh_from_db()
    return form


def test_a_form_built_from_scratch_has_its_roles_whatever_the_keys(scratch_form):
    roles = dict(scratch_form.questions.values_list("key", "contact_role"))

    assert roles == {
        "work_e_mail": "email",
        "full_name": "name",
        "organisation": "company",
        "seats": "",
    }


def test_a_second_question_of_a_kind_gets_no_role_and_cannot_take_one(scratch_form):
    second = authoring.question_add(form=scratch_form, kind="email", label="Billing e-mail")
    assert second.contact_role == ""

    with pytest.raises(ValidationError) as error:
        authoring.question_update(question=second, contact_role="email")

    assert error.value.message_dict == {
        "contact_role": [
            "“Work e-mail” is already the contact's e-mail; set it to “Not a contact detail” first."
        ]
    }


def test_a_role_moves_once_the_first_question_lets_go(scratch_form):
    first = scratch_form.questions.get(key="work_e_mail")
    second = authoring.question_add(form=scratch_form, kind="email", label="Billing e-mail")

    authoring.question_update(question=first, contact_role="")
    authoring.question_update(question=second, contact_role="email")
    scratch_form.refresh_from_db()
    lead = lead_capture(
        form=scratch_form,
        answers={"work_e_mail": "ops@northwind.example", "billing_e_mail": "ap@northwind.example"},
        capture={},
    ).lead

    assert lead_contact(lead).email == "ap@northwind.example"


def test_the_builder_edits_the_role_and_refuses_a_second_holder_in_words(
    client, marketer, scratch_form
):
    client.force_login(marketer)
    name = scratch_form.questions.get(key="full_name")

    response = client.post(
        f"/app/forms/{scratch_form.slug}/questions/{name.pk}/",
        {"label": "Full name", "step": 1, "contact_role": "email"},
    )

    assert response.status_code == 422
    assert "“Work e-mail” is already the contact&#x27;s e-mail" in response.content.decode()
    name.refresh_from_db()
    assert name.contact_role == "name"


def test_every_place_that_shows_a_contact_reads_the_roles(scratch_form, marketer):
    answers = {
        "work_e_mail": "Dana@Northwind.example",
        "full_name": "Dana Buyer",
        "organisation": "Northwind",
        "seats": 12,
    }
    lead = lead_capture(form=scratch_form, answers=answers, capture={}).lead

    assert lead_contact(lead) == lead_contact(Lead.objects.get(pk=lead.pk))
    details = lead_contact(lead)
    assert (details.email, details.name, details.company) == (
        "Dana@Northwind.example",
        "Dana Buyer",
        "Northwind",
    )
    body = webhook_payload(lead, None)["data"]["lead"]
    assert (body["email"], body["name"], body["company"]) == (
        "Dana@Northwind.example",
        "Dana Buyer",
        "Northwind",
    )
    header, row = list(leads_csv_rows(form=scratch_form))
    exported = dict(zip(header, row, strict=True))
    assert (exported["email"], exported["name"], exported["company"]) == (
        "Dana@Northwind.example",
        "Dana Buyer",
        "Northwind",
    )


def test_a_repeat_submission_joins_its_contact_whatever_the_case(scratch_form):
    first = lead_capture(
        form=scratch_form,
        answers={"work_e_mail": "dana@northwind.example", "full_name": "Dana"},
        capture={},
    ).lead
    again = lead_capture(
        form=scratch_form,
        answers={"work_e_mail": " DANA@Northwind.Example", "full_name": "Dana Buyer"},
        capture={},
    ).lead

    assert first.contact_id == again.contact_id is not None
    contact = Contact.objects.get()
    assert contact.email_normalized == "dana@northwind.example"
    assert contact.name == "Dana Buyer"  # as last seen
    assert contact.company_domain == "northwind.example"
    assert list(contact.leads.order_by("created_at")) == [first, again]


def test_a_lead_without_an_e_mail_has_no_contact(scratch_form):
    lead = lead_capture(form=scratch_form, answers={"full_name": "Anon"}, capture={}).lead

    assert lead.contact is None
    assert Contact.objects.count() == 0


def test_two_first_submissions_of_one_person_at_once_make_one_contact(scratch_form):
    """The race: between our lookup (nobody) and our insert, another request stores the
    person. The other request's insert is played by the database hook right after our SELECT."""

    inserted = []

    def other_request_inserts_first(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.lstrip().startswith("SELECT") and '"forms_app_contact"' in sql and not inserted:
            inserted.append(sql)
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO forms_app_contact (email_normalized, email, name, company, "
                    "phone, company_domain, created_at) VALUES (%s, %s, '', '', '', %s, "
                    "CURRENT_TIMESTAMP)",
                    ["dana@northwind.example", "dana@northwind.example", "northwind.example"],
                )
        return result

    with connection.execute_wrapper(other_request_inserts_first):
        lead = lead_capture(
            form=scratch_form, answers={"work_e_mail": "Dana@northwind.example"}, capture={}
        ).lead

    assert len(inserted) == 1
    assert Contact.objects.count() == 1
    assert lead.contact == Contact.objects.get()
    assert Lead.objects.get(pk=lead.pk).contact_id == lead.contact_id


@pytest.mark.parametrize(
    "email, domain",
    [
        ("dana@northwind.example", "northwind.example"),
        ("Dana@NorthWind.Example", "northwind.example"),
        ("someone@gmail.com", ""),
        ("someone@outlook.com", ""),
        ("someone@yahoo.co.uk", ""),
        ("someone@gmx.de", ""),
        ("someone@proton.me", ""),
        ("someone@mail.ru", ""),
        ("not an address", ""),
    ],
)
def test_companies_group_by_business_domain_never_free_mail(email, domain):
    assert company_domain(email) == domain


def test_two_people_on_free_mail_are_no_company(scratch_form, client, marketer, sam):
    for email in ("ann@gmail.com", "bob@gmail.com", "cy@northwind.example", "di@northwind.example"):
        lead_capture(form=scratch_form, answers={"work_e_mail": email}, capture={})
    Lead.objects.update(assigned_to=sam)
    client.force_login(marketer)

    northwind = client.get("/app/inbox/?status=all&company=northwind.example")
    free_mail = client.get("/app/inbox/?status=all&company=gmail.com")

    assert northwind.context["company_people"] == 2
    assert "2 people at <strong>northwind.example</strong>" in northwind.content.decode()
    assert len(northwind.context["rows"]) == 2
    assert free_mail.context["company_people"] == 0
    assert free_mail.context["rows"] == []
    assert set(Contact.objects.values_list("company_domain", flat=True)) == {
        "",
        "northwind.example",
    }


@pytest.fixture
def team_rule(scratch_form, team) -> RoutingRule:
    return RoutingRule.objects.create(
        form=scratch_form,
        name="Closers",
        team=team,
        action=RoutingRule.Action.ROUND_ROBIN,
    )


def submit(form, email: str) -> Lead:
    return lead_capture(form=form, answers={"work_e_mail": email}, capture={}).lead


def test_a_repeat_lead_goes_to_the_rep_who_owns_its_contact(team_rule, sam, riley):
    first = submit(team_rule.form, "dana@northwind.example")
    other = submit(team_rule.form, "bob@contoso.example")
    again = submit(team_rule.form, "DANA@northwind.example")

    assert (first.assigned_to, other.assigned_to, again.assigned_to) == (sam, riley, sam)
    assert Contact.objects.get(email_normalized="dana@northwind.example").owner == sam
    assert first.events.get(kind="routed").message == "Routed by rule “Closers” to Sam Seller"
    assert again.events.get(kind="routed").message == (
        "Routed by rule “Closers” to Sam Seller, who owns this contact"
    )
    assert routing_preview(form=team_rule.form, lead=again).explanation == [
        "Closers: keeps Sam Seller, who owns this contact",
        "Closers: stops here",
    ]


def test_a_rule_that_routes_afresh_ignores_the_owner(team_rule, sam, riley, alex):
    team_rule.contact_owner = RoutingRule.ContactOwner.ROUTE_AFRESH
    team_rule.save()

    leads = [submit(team_rule.form, "dana@northwind.example") for _ in range(3)]

    assert [lead.assigned_to for lead in leads] == [sam, riley, alex]
    assert Contact.objects.get().owner == sam  # the first rep assigned stays the owner


def test_an_owner_who_stopped_taking_leads_lets_routing_pick_afresh(team_rule, sam, riley):
    submit(team_rule.form, "dana@northwind.example")
    sam.rep_profile.active = False
    sam.rep_profile.save()

    again = submit(team_rule.form, "dana@northwind.example")

    assert again.assigned_to == riley
    assert Contact.objects.get().owner == sam


def test_a_lead_assigned_by_hand_first_makes_the_owner(scratch_form, marketer, riley):
    lead = submit(scratch_form, "dana@northwind.example")  # no rule: unassigned
    assert Contact.objects.get().owner is None

    lead_reassign(lead=lead, actor=marketer, assignee=riley)

    assert Contact.objects.get().owner == riley


def test_the_contact_lookup_adds_at_most_two_queries_to_a_submit(scratch_form):
    submit(scratch_form, "warm@caches.example")  # the roles, like the answer form, are cached

    def queries(answers) -> int:
        with CaptureQueriesContext(connection) as context:
            lead_capture(form=scratch_form, answers=answers, capture={})
        return len(context)

    without_email = queries({"full_name": "Anon"})
    new_person = queries({"work_e_mail": "new@northwind.example", "full_name": "New"})
    repeat_same = queries({"work_e_mail": "new@northwind.example", "full_name": "New"})
    repeat_renamed = queries({"work_e_mail": "new@northwind.example", "full_name": "New Name"})

    assert new_person - without_email == 2  # the indexed lookup and the insert (an upsert)
    assert repeat_same - without_email == 1  # the lookup
    assert repeat_renamed - without_email == 2  # the lookup and the new name


def test_the_inbox_shows_a_person_once_with_their_newest_submission(
    client, marketer, scratch_form, sam
):
    answers = {"work_e_mail": "dana@northwind.example", "full_name": "Dana Buyer"}
    older = lead_capture(form=scratch_form, answers=answers, capture={}).lead
    newer = lead_capture(form=scratch_form, answers=answers, capture={}).lead
    alone = lead_capture(
        form=scratch_form, answers={"work_e_mail": "bob@contoso.example"}, capture={}
    ).lead
    Lead.objects.filter(pk=older.pk).update(score=95, tier="sales_ready")
    Lead.objects.filter(pk=newer.pk).update(score=20, tier="nurture")
    Lead.objects.filter(pk=alone.pk).update(score=50, tier="nurture")
    Lead.objects.update(assigned_to=sam)
    client.force_login(marketer)

    response = client.get("/app/inbox/")

    rows = [(lead.pk, lead.submissions) for lead, _ in response.context["rows"]]
    assert rows == [(alone.pk, 1), (newer.pk, 2)]  # sorted by the newest submission's score
    assert "2 submissions" in response.content.decode()

    page = client.get(f"/app/inbox/{newer.pk}/")
    assert [lead.pk for lead in page.context["other_submissions"]] == [older.pk]
    assert f'href="/app/inbox/{older.pk}/"' in page.content.decode()


def test_the_api_lead_carries_its_contact(scratch_form):
    lead = lead_capture(
        form=scratch_form,
        answers={"work_e_mail": "dana@northwind.example", "full_name": "Dana Buyer"},
        capture={},
    ).lead

    assert LeadSerializer(lead).data["contact"] == {
        "email": "dana@northwind.example",
        "name": "Dana Buyer",
        "company": "",
        "phone": "",
    }


def test_inbox_filters_pick_the_person_s_newest_lead_among_those_they_show(
    client, marketer, scratch_form, sam
):
    answers = {"work_e_mail": "dana@northwind.example", "full_name": "Dana Buyer"}
    open_lead = lead_capture(form=scratch_form, answers=answers, capture={}).lead
    won = lead_capture(form=scratch_form, answers=answers, capture={}).lead
    Lead.objects.filter(pk=won.pk).update(status="won")
    Lead.objects.update(assigned_to=sam)
    client.force_login(marketer)

    open_rows = client.get("/app/inbox/").context["rows"]
    every_row = client.get("/app/inbox/?status=all").context["rows"]

    assert [(lead.pk, lead.submissions) for lead, _ in open_rows] == [(open_lead.pk, 1)]
    assert [(lead.pk, lead.submissions) for lead, _ in every_row] == [(won.pk, 2)]


def test_a_rep_s_inbox_groups_only_the_leads_they_may_see(client, scratch_form, sam, riley):
    answers = {"work_e_mail": "dana@northwind.example"}
    mine = lead_capture(form=scratch_form, answers=answers, capture={}).lead
    theirs = lead_capture(form=scratch_form, answers=answers, capture={}).lead
    Lead.objects.filter(pk=mine.pk).update(assigned_to=sam)
    Lead.objects.filter(pk=theirs.pk).update(assigned_to=riley)
    client.force_login(sam)

    rows = client.get("/app/inbox/").context["rows"]
    page = client.get(f"/app/inbox/{mine.pk}/")

    assert [(lead.pk, lead.submissions) for lead, _ in rows] == [(mine.pk, 1)]
    assert list(page.context["other_submissions"]) == []  # Riley's lead stays hidden
