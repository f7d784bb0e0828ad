"""After submit the prospect sees the next step for the lead's tier, as the form sets it."""

import pytest

from forms_app.capture.next_step import next_step_for
from forms_app.models import Lead
from tests.helpers.answers import GOOD_ANSWERS
from tests.helpers.submit import send


@pytest.fixture
def lead(client, demo_form) -> Lead:
    demo_form.booking_url = "https://cal.example/formscore/demo"
    demo_form.resources = [
        {"title": "Pricing guide", "url": "https://www.example.com/pricing-guide"},
        {"title": "Sneaky", "url": "javascript:alert(1)"},
    ]
    demo_form.nurture_message = "We'll send you our monthly digest."
    demo_form.save()
    send(client, "demo", client.get("/f/demo/"), GOOD_ANSWERS)
    return Lead.objects.get()


def page_for(client, lead: Lead, tier: str) -> str:
    Lead.objects.filter(pk=lead.pk).update(tier=tier)
    return client.get(f"/f/demo/next/{lead.public_id}/").content.decode()


def test_a_sales_ready_lead_is_offered_a_booking(client, lead):
    html = page_for(client, lead, Lead.Tier.SALES_READY)
    assert "Book a time with our team" in html
    assert 'href="https://cal.example/formscore/demo"' in html
    assert 'data-tier="sales_ready"' in html


def test_a_sales_ready_lead_without_a_booking_link_gets_the_thank_you(client, lead):
    lead.form.booking_url = ""
    lead.form.save()
    html = page_for(client, lead, Lead.Tier.SALES_READY)
    assert "Book a time" not in html and "Thank you" in html


def test_a_marketing_qualified_lead_sees_the_resources_but_never_a_script_link(client, lead):
    html = page_for(client, lead, Lead.Tier.MARKETING_QUALIFIED)
    assert 'href="https://www.example.com/pricing-guide"' in html
    assert "Pricing guide" in html
    assert "javascript:" not in html and "Sneaky" not in html
    assert "Book a time" not in html


def test_a_nurture_lead_sees_the_thank_you(client, lead):
    html = page_for(client, lead, Lead.Tier.NURTURE)
    assert "Thank you" in html and "monthly digest" in html
    assert "Book a time" not in html and "Pricing guide" not in html


def test_an_htmx_submit_gets_the_tier_of_the_lead_for_the_host_page(client, demo_form):
    response = send(client, "demo", client.get("/f/demo/"), GOOD_ANSWERS, HTTP_HX_REQUEST="true")
    lead = Lead.objects.get()
    html = response.content.decode()
    assert "data-formscore-next-step" in html
    assert f'data-lead="{lead.public_id}"' in html


def test_the_next_step_reads_the_tier_and_the_forms_settings(lead):
    lead.tier = Lead.Tier.SALES_READY
    step = next_step_for(lead)
    assert step.booking_url == "https://cal.example/formscore/demo"
    lead.tier = ""
    assert next_step_for(lead).tier == Lead.Tier.NURTURE


def test_a_sales_ready_lead_books_the_rep_routing_assigned(client, lead, django_user_model):
    from forms_app.models import RepProfile

    sam = django_user_model.objects.create_user("sam")
    RepProfile.objects.create(
        user=sam, display_name="Sam Rivera", booking_url="https://cal.example/sam"
    )
    Lead.objects.filter(pk=lead.pk).update(assigned_to=sam)

    html = page_for(client, lead, Lead.Tier.SALES_READY)
    assert "Book a time with Sam Rivera" in html
    assert 'href="https://cal.example/sam"' in html
