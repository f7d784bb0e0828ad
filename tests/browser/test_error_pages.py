"""What a visitor sees when a form cannot be shown: on a site that may not embed it, and at an
address with no published form. Screenshots go to docs/screenshots/."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.helpers.accessibility import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def snippet(live_server, form="demo") -> str:
    return f'<script src="{live_server.url}/embed.js" data-form="{form}" async></script>'


def test_a_site_that_may_not_embed_the_form_shows_why_and_a_link_instead_of_a_broken_frame(
    page, live_server, host_site, demo_form
):
    demo_form.allowed_sites = ["https://www.acme.example"]
    demo_form.save()
    host_site.pages["/contact"] = snippet(live_server)
    page.set_viewport_size({"width": 900, "height": 700})
    page.goto(host_site.url("/contact?utm_source=newsletter"))

    note = page.locator("[data-formscore-not-allowed=demo]")
    expect(note).to_contain_text("This form can't be shown on this page.")
    expect(note).to_contain_text(f"Site owner: add {host_site.origin} to the form's allowed sites")
    link = note.get_by_role("link", name="Open the form in a new tab")
    expect(link).to_have_attribute("href", f"{live_server.url}/f/demo/?utm_source=newsletter")
    expect(link).to_have_attribute("target", "_blank")
    expect(page.locator("iframe")).to_have_count(0)
    assert axe_violations(page, within="[data-formscore-not-allowed]") == []  # not the host's
    page.screenshot(path=str(DOCS_SCREENSHOTS / "embed-not-allowed.png"))

    # The link works: the direct address is always allowed.
    page.goto(link.get_attribute("href"))
    expect(page.get_by_role("button", name="Request my demo")).to_be_visible()


def test_an_allowed_site_keeps_its_frame(page, live_server, host_site, demo_form):
    demo_form.allowed_sites = [host_site.origin]
    demo_form.save()
    host_site.pages["/contact"] = snippet(live_server)
    with page.expect_response(lambda response: "/frame-check/" in response.url) as checked:
        page.goto(host_site.url("/contact"))
    assert checked.value.json() == {"allowed": True, "origin": host_site.origin}
    frame = page.frame_locator("iframe[data-formscore-form=demo]")
    expect(frame.get_by_role("button", name="Request my demo")).to_be_visible()
    expect(page.locator("[data-formscore-not-allowed]")).to_have_count(0)


def test_an_embed_of_a_form_that_is_not_published_says_so_inside_the_frame(
    page, live_server, host_site, db
):
    host_site.pages["/contact"] = snippet(live_server, form="gone")
    page.goto(host_site.url("/contact"))
    frame = page.frame_locator("iframe[data-formscore-form=gone]")
    expect(frame.get_by_role("heading", name="This form is not available")).to_be_visible()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_page_for_a_missing_form_is_styled_and_accessible(browser, live_server, db, scheme):
    context = browser.new_context(color_scheme=scheme, viewport={"width": 900, "height": 600})
    page = context.new_page()
    response = page.goto(f"{live_server.url}/f/no-such-form/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="This form is not available")).to_be_visible()
    assert page.title() == "Form not available · formscore"
    assert axe_violations(page) == []
    page.screenshot(path=str(DOCS_SCREENSHOTS / f"not-found-{scheme}.png"))
    context.close()
