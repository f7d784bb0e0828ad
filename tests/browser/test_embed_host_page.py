"""The one-line embed on another site: a host page served from a second origin loads embed.js."""

import pytest
from playwright.sync_api import expect

from forms_app.models import Lead, SpamRefusal
from tests.helpers.browser import IDLE, fill, fill_demo_form, snippet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def embeddable(scored_demo_form, host_site):
    form = scored_demo_form
    form.allowed_sites = [host_site.origin]
    form.collect_browsing_signals = True
    form.key_pages = ["/pricing", "/integrations"]
    form.booking_url = "https://cal.example/acme/intro"
    form.save()
    return form


KEEN = {
    "Work e-mail": "grace@navy.example",
    "Company size": "More than 1,000",
    "Budget": "Over $50k",
    "Your role": "VP / Head of department",
}


def iframe_height(page) -> float:
    return page.evaluate("document.querySelector('iframe[data-formscore-form]').offsetHeight")


def test_the_snippet_embeds_a_resizing_form_that_carries_utm_and_key_pages_to_the_lead(
    page, live_server, host_site, embeddable, screenshot
):
    host_site.pages["/pricing"] = snippet(live_server, form=None)
    host_site.pages["/integrations/slack"] = snippet(live_server, form=None)
    host_site.pages["/contact"] = snippet(live_server)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(host_site.url("/pricing"))
    page.goto(host_site.url("/integrations/slack"))
    page.goto(
        host_site.url("/contact?utm_source=newsletter&utm_campaign=autumn"),
        referer="https://search.example/?q=acme",
    )

    frame = page.frame_locator("iframe[data-formscore-form]")
    expect(frame.get_by_role("heading", name="Request a demo")).to_be_visible()
    page.wait_for_function(
        "() => Math.abs(document.querySelector('iframe').offsetHeight - 640) > 40"
    )
    content_height = frame.locator(".public-main").evaluate("e => e.offsetHeight")
    assert abs(iframe_height(page) - content_height) <= 2
    screenshot("embed-host-desktop")

    fill(frame, KEEN)
    frame.get_by_role("button", name="Request my demo").click()

    expect(frame.get_by_role("heading", name="Book a time with our team")).to_be_visible()
    expect(frame.get_by_role("link", name="Book a time")).to_have_attribute(
        "href", "https://cal.example/acme/intro"
    )
    page.wait_for_function("() => window.formscoreEvents.length === 1")
    lead = Lead.objects.get()
    assert page.evaluate("window.formscoreEvents[0]") == {
        "form": "demo",
        "tier": "sales_ready",
        "leadId": str(lead.public_id),
    }
    assert lead.tier == Lead.Tier.SALES_READY
    assert lead.capture["utm_source"] == "newsletter"
    assert lead.capture["utm_campaign"] == "autumn"
    assert lead.capture["page_url"].startswith(host_site.url("/contact?"))
    assert lead.capture["referrer"] == "https://search.example/?q=acme"
    assert lead.capture["key_pages"] == ["/integrations", "/pricing"]
    assert lead.capture["page_views"] == 3
    assert lead.capture["sessions"] == 1
    assert lead.capture["browsing_consent"] is True
    page.wait_for_function("() => document.querySelector('iframe').offsetHeight < 600")
    screenshot("embed-host-booking-desktop")
    page.set_viewport_size({"width": 375, "height": 740})
    screenshot("embed-host-booking-mobile")


def test_a_lower_answer_set_gets_the_thank_you_and_no_browsing_signal_without_consent(
    page, live_server, host_site, embeddable
):
    host_site.pages["/pricing"] = snippet(live_server, form=None, consent=False)
    host_site.pages["/contact"] = snippet(live_server, consent=False)
    page.goto(host_site.url("/pricing"))
    page.goto(host_site.url("/contact"))
    frame = page.frame_locator("iframe[data-formscore-form]")
    expect(frame.get_by_role("heading", name="Request a demo")).to_be_visible()
    # Any other window can post messages too: the snippet listens only to its own frame.
    page.evaluate(
        """() => window.postMessage(
            {formscore: "submitted", detail: {tier: "sales_ready", leadId: "forged"}}, "*")"""
    )
    page.evaluate("""() => window.postMessage({formscore: "resize", detail: {height: 5}}, "*")""")
    fill(frame, IDLE)
    frame.get_by_role("button", name="Request my demo").click()

    expect(frame.get_by_role("heading", name="Thank you")).to_be_visible()
    expect(frame.get_by_role("link", name="Book a time")).to_have_count(0)
    page.wait_for_function("() => window.formscoreEvents.length === 1")
    assert page.evaluate("window.formscoreEvents[0].tier") == "nurture"
    assert iframe_height(page) > 100
    capture = Lead.objects.get().capture
    assert not {"browsing_consent", "page_views", "key_pages"} & capture.keys()
    assert page.evaluate("localStorage.getItem('formscore:visits')") is None


def test_the_embedded_form_fits_a_phone_screen(
    page, live_server, host_site, embeddable, screenshot
):
    host_site.pages["/contact"] = snippet(live_server)
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(host_site.url("/contact"))
    frame = page.frame_locator("iframe[data-formscore-form]")
    expect(frame.get_by_role("heading", name="Request a demo")).to_be_visible()
    page.wait_for_function(
        "() => Math.abs(document.querySelector('iframe').offsetHeight - 640) > 40"
    )
    assert frame.locator("html").evaluate("e => e.scrollWidth - e.clientWidth") <= 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot("embed-host-mobile")


def test_a_site_not_on_the_list_cannot_frame_the_form(page, live_server, host_site, demo_form):
    """With a plain iframe: the script snippet replaces such a frame with an explanation
    (tests/browser/test_error_pages.py) before the browser's refusal can be seen."""
    demo_form.allowed_sites = ["https://www.example.com"]
    demo_form.save()
    host_site.pages["/contact"] = (
        f'<iframe src="{live_server.url}/f/demo/?embed=1" data-formscore-form="demo"'
        ' title="Request a demo"></iframe>'
    )
    page.goto(host_site.url("/contact"))
    page.wait_for_function("() => window.frameLoaded === true")
    frame = page.frame_locator("iframe[data-formscore-form]")
    expect(frame.get_by_role("heading", name="Request a demo")).to_have_count(0)
    assert page.evaluate("window.formscoreEvents.length") == 0


def test_a_plain_iframe_embed_submits_with_javascript_turned_off(
    browser, live_server, host_site, embeddable
):
    host_site.pages["/contact"] = (
        f'<iframe src="{live_server.url}/f/demo/?embed=1" title="Request a demo"'
        ' style="width:100%;height:1500px;border:0"></iframe>'
    )
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(host_site.url("/contact"))
    frame = page.frame_locator("iframe")
    fill(frame, IDLE)
    frame.get_by_role("button", name="Request my demo").click()
    expect(frame.get_by_role("heading", name="Thank you")).to_be_visible()
    lead = Lead.objects.get()
    assert lead.capture["page_url"] == host_site.url("/")  # a plain iframe tells only the site
    context.close()


@pytest.mark.parametrize("attack", ["forged token", "expired token", "honeypot", "too fast"])
def test_a_tampered_or_robotic_submit_is_refused_in_the_browser(
    page, live_server, demo_form, settings, attack, screenshot
):
    page.goto(f"{live_server.url}/f/demo/")
    fill_demo_form(page)
    if attack == "forged token":
        page.locator("input[name=_fs_token]").evaluate("e => e.value = 'eyJmIjoxfQ:forged'")
    elif attack == "expired token":
        settings.FORMSCORE_FORM_TOKEN_MAX_AGE = -1
    elif attack == "honeypot":
        page.locator("input[name=_fs_website]").evaluate("e => e.value = 'http://spam.example'")
    else:
        settings.FORMSCORE_MIN_FILL_SECONDS = 60
    page.get_by_role("button", name="Request my demo").click()

    messages = {
        "forged token": "The form token is not valid",
        "expired token": "This form has expired",
        "honeypot": "looks automated",
        "too fast": "faster than a person can fill the form",
    }
    expect(page.get_by_role("alert")).to_contain_text(messages[attack])
    screenshot(f"refused-{attack.replace(' ', '-')}")
    assert Lead.objects.count() == 0
    assert SpamRefusal.objects.get().count == 1
