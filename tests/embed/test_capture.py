"""What the embed passes along reaches the lead's capture, under the keys scoring reads."""

import pytest

from forms_app.models import Lead
from tests.helpers.answers import GOOD_ANSWERS
from tests.helpers.submit import send

HOST_PAGE = "https://www.example.com/contact?utm_source=newsletter&utm_campaign=autumn"
SIGNALS = {
    "_fs_browsing_consent": "1",
    "_fs_page_views": "7",
    "_fs_sessions": "3",
    "_fs_days_since_first_visit": "12.5",
    "_fs_key_pages": "/pricing,/blog/hello,/integrations/slack",
}


@pytest.fixture
def tracked(demo_form):
    demo_form.allowed_sites = ["https://www.example.com"]
    demo_form.collect_browsing_signals = True
    demo_form.key_pages = ["/pricing", "/integrations", "/customers"]
    demo_form.save()
    return demo_form


def embedded_page(client):
    return client.get(
        "/f/demo/",
        {
            "embed": "1",
            "page_url": HOST_PAGE,
            "referrer": "https://search.example/?q=forms",
            "utm_source": "newsletter",
            "utm_campaign": "autumn",
        },
    )


def test_the_host_page_url_referrer_and_utm_parameters_reach_the_lead(client, tracked):
    send(client, "demo", embedded_page(client), GOOD_ANSWERS)
    capture = Lead.objects.get().capture
    assert capture["page_url"] == HOST_PAGE
    assert capture["referrer"] == "https://search.example/?q=forms"
    assert capture["utm_source"] == "newsletter"
    assert capture["utm_campaign"] == "autumn"
    assert capture["device"] == "desktop"
    assert capture["seconds_to_complete"] >= 0


def test_browsing_signals_with_consent_reach_the_lead_as_scoring_features(client, tracked):
    send(client, "demo", embedded_page(client), {**GOOD_ANSWERS, **SIGNALS})
    capture = Lead.objects.get().capture
    assert capture["browsing_consent"] is True
    assert capture["page_views"] == 7
    assert capture["sessions"] == 3
    assert capture["days_since_first_visit"] == 12.5
    assert capture["key_pages"] == ["/integrations", "/pricing"]  # only pages the form lists


def test_without_consent_no_browsing_signal_is_kept(client, tracked):
    signals = {**SIGNALS, "_fs_browsing_consent": ""}
    send(client, "demo", embedded_page(client), {**GOOD_ANSWERS, **signals})
    capture = Lead.objects.get().capture
    assert not {"browsing_consent", "page_views", "sessions", "key_pages"} & capture.keys()


def test_a_form_that_does_not_collect_browsing_signals_ignores_them(client, tracked):
    tracked.collect_browsing_signals = False
    tracked.save()
    page = embedded_page(client)
    assert "_fs_page_views" not in page.content.decode()
    send(client, "demo", page, {**GOOD_ANSWERS, **SIGNALS})
    assert "page_views" not in Lead.objects.get().capture


def test_nonsense_browsing_numbers_are_dropped_not_stored(client, tracked):
    bogus = {**SIGNALS, "_fs_page_views": "-4", "_fs_sessions": "lots", "_fs_key_pages": "x"}
    send(client, "demo", embedded_page(client), {**GOOD_ANSWERS, **bogus})
    capture = Lead.objects.get().capture
    assert "page_views" not in capture and "sessions" not in capture
    assert capture["key_pages"] == []


def test_the_embedded_page_tells_form_js_which_key_pages_to_report(client, tracked):
    html = embedded_page(client).content.decode()
    assert 'data-browsing="1"' in html
    assert 'data-key-pages="[&quot;/pricing&quot;, &quot;/integrations&quot;' in html
    assert 'class="public embedded"' in html
    assert 'data-parent-origins="[&quot;https://www.example.com&quot;]"' in html


def test_an_embedded_submit_without_javascript_lands_on_the_embedded_next_step(client, tracked):
    done = send(client, "demo", embedded_page(client), GOOD_ANSWERS)
    assert done.status_code == 302 and done["Location"].endswith("/?embed=1")
    assert 'class="public embedded"' in client.get(done["Location"]).content.decode()
