"""Per-form settings in a real browser: a marketer sets the next steps (the marketing-qualified
resources), the SLA, the branding (a logo upload, a colour, a font) and the closing in the
workspace; a prospect then sees the branded form, the marketing-qualified next step with its
resources and, once the form closes, its closing message. Embedded, a tier's redirect moves the
host page. Screenshots go to docs/screenshots/form-settings-*.png and public-form-*.png."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from forms_app.models import Form, Lead
from forms_app.workspace.authoring import form_update, thresholds_update
from tests.helpers.browser import IDLE, fill, fill_demo_form, log_in, snippet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
LOGO_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="132" height="40" viewBox="0 0 132 40">'
    b'<circle cx="20" cy="20" r="16" fill="#0f766e"/><path d="M12 26 L20 12 L28 26 Z" '
    b'fill="#ffffff"/><text x="44" y="28" font-family="Georgia, serif" font-size="24" '
    b'font-weight="700" fill="#0f172a">Acme</text></svg>'
)


def section_screenshot(page, section_id: str, name: str) -> None:
    # The sticky save bar would cover the section's foot in a picture of the section alone.
    page.add_style_tag(content=".settings-save { position: static; }")
    page.locator(f"#{section_id}").screenshot(path=str(DOCS_SCREENSHOTS / name))


def test_a_marketer_sets_next_steps_sla_branding_and_closing_and_a_prospect_sees_them(
    page, browser, live_server, scored_demo_form
):
    # The prospect's answers score 16: marketing-qualified from 10.
    thresholds_update(form=scored_demo_form, marketing_qualified=10, sales_ready=90)
    page.set_viewport_size({"width": 1360, "height": 900})
    log_in(page, live_server, "morgan", "marketer")
    page.goto(f"{live_server.url}/app/forms/demo/settings/")

    # Next steps: the marketing-qualified message and two resources, the second moved up.
    next_steps = page.locator("#next-steps")
    next_steps.get_by_role("textbox", name="Message").nth(1).fill(
        "Thanks! While we prepare your demo, these answer the usual first questions."
    )
    page.get_by_label("Resource 1 title").fill("Pricing guide")
    page.get_by_label("Resource 1 address").fill("https://www.example.com/pricing-guide")
    page.get_by_role("button", name="Add a resource").click()
    page.get_by_label("Resource 2 title").fill("Customer stories")
    page.get_by_label("Resource 2 address").fill("https://www.example.com/stories")
    page.get_by_role("button", name="Move resource 2 up").click()
    expect(page.get_by_label("Resource 1 title")).to_have_value("Customer stories")

    # SLA and retraining.
    sla = page.locator("#sla")
    sla.get_by_label("Sales-ready").fill("15")
    sla.get_by_label("Marketing-qualified").fill("240")
    page.get_by_label("Retrain after this many new outcomes").fill("80")

    # Branding: a logo, a colour, a font.
    page.get_by_label("Logo").set_input_files(
        files=[{"name": "acme.svg", "mimeType": "image/svg+xml", "buffer": LOGO_SVG}]
    )
    page.get_by_label("Accent colour").fill("#facc15")
    expect(page.locator(".accent-contrast")).to_contain_text("1.5:1 with white text — too light")
    page.get_by_label("Accent colour").fill("#0f766e")
    expect(page.locator(".accent-contrast")).to_have_text("#0f766e · 5.5:1 with white text")
    page.get_by_label("Serif").check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()

    form = Form.objects.get(slug="demo")
    assert [r["title"] for r in form.resources] == ["Customer stories", "Pricing guide"]
    assert (form.sla_sales_ready_minutes, form.sla_marketing_qualified_minutes) == (15, 240)
    assert (form.retrain_after_outcomes, form.accent_color, form.font) == (80, "#0f766e", "serif")
    expect(page.get_by_role("img", name="The current logo")).to_be_visible()
    section_screenshot(page, "next-steps", "form-settings-next-steps.png")
    section_screenshot(page, "sla", "form-settings-sla.png")
    section_screenshot(page, "branding", "form-settings-branding.png")

    # A prospect, in a browser of their own, sees the branded form.
    prospect = browser.new_page(viewport={"width": 760, "height": 900})
    prospect.goto(f"{live_server.url}/f/demo/")
    logo = prospect.locator("img.form-logo")
    expect(logo).to_be_visible()
    assert logo.evaluate("img => img.naturalWidth") == 132
    button = prospect.get_by_role("button", name="Request my demo")
    assert button.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(15, 118, 110)"
    assert "Charter" in prospect.evaluate("getComputedStyle(document.body).fontFamily")
    prospect.screenshot(path=str(DOCS_SCREENSHOTS / "public-form-branded.png"), full_page=True)

    fill(prospect, IDLE)
    button.click()
    expect(prospect.get_by_text("these answer the usual first questions")).to_be_visible()
    resources = prospect.locator(".resources a")
    expect(resources).to_have_text(["Customer stories→", "Pricing guide→"])
    expect(resources.first).to_have_attribute("href", "https://www.example.com/stories")
    expect(prospect.locator("img.form-logo")).to_be_visible()
    assert Lead.objects.get().tier == Lead.Tier.MARKETING_QUALIFIED
    prospect.screenshot(
        path=str(DOCS_SCREENSHOTS / "public-next-step-resources.png"), full_page=True
    )

    # Closing: one response is the limit, and there is one already.
    page.get_by_label("Close after this many responses").fill("1")
    page.get_by_label("Message shown when closed").fill(
        "Our spring demo slots are all taken. Write to hello@acme.example and we'll fit you in."
    )
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    expect(page.locator("#closing").get_by_role("status")).to_contain_text("after 1 response")
    section_screenshot(page, "closing", "form-settings-closing.png")

    prospect.goto(f"{live_server.url}/f/demo/")
    expect(prospect.get_by_role("heading", name="Request a demo is closed")).to_be_visible()
    expect(prospect.get_by_text("spring demo slots are all taken")).to_be_visible()
    expect(prospect.get_by_label("Work e-mail")).to_have_count(0)
    prospect.screenshot(path=str(DOCS_SCREENSHOTS / "public-form-closed.png"), full_page=True)


def test_embedded_a_tiers_redirect_moves_the_host_page_not_the_frame(
    page, live_server, host_site, scored_demo_form
):
    thanks = host_site.url("/thanks")
    form_update(
        form=scored_demo_form,
        allowed_sites=[host_site.origin],
        sales_ready_redirect_url=thanks,
        marketing_qualified_redirect_url=thanks,
        nurture_redirect_url=thanks,
    )
    host_site.pages["/contact"] = snippet(live_server)
    page.goto(host_site.url("/contact"))
    frame = page.frame_locator("iframe[data-formscore-form]")
    fill(frame, IDLE)
    frame.get_by_role("button", name="Request my demo").click()
    page.wait_for_url(thanks)
    assert Lead.objects.count() == 1


def test_without_javascript_the_redirect_is_a_plain_redirect_of_the_page(
    browser, live_server, scored_demo_form
):
    done = f"{live_server.url}/embed.js?done"
    form_update(
        form=scored_demo_form,
        sales_ready_redirect_url=done,
        marketing_qualified_redirect_url=done,
        nurture_redirect_url=done,
    )
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/f/demo/")
    fill_demo_form(page)
    page.get_by_role("button", name="Request my demo").click()
    page.wait_for_url(done)
    context.close()
