"""A marketer sets every per-form setting on the form's settings page, and a bad value is
refused in words next to its field."""

import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from forms_app.models import Form, FormLogo
from forms_app.sales.learning import form_retrain_if_due
from forms_app.workspace.authoring import form_update
from tests.helpers.answers import GOOD_ANSWERS
from tests.helpers.submit import send


def png(width: int = 2, height: int = 1, padding: bytes = b"") -> bytes:
    """A real PNG image (padding: an extra chunk to make it as big as a test needs)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\x43\x38\xca" * width for _ in range(height)))
    extra = chunk(b"tEXt", b"Comment\x00" + padding) if padding else b""
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + extra
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def settings_post(**changes) -> dict:
    return {
        "name": "Pricing request",
        "slug": "pricing",
        "submit_label": "Send",
        "accent_color": "#4338ca",
        "font": "system",
        "conversion_definition": "qualified",
        "thank_you_message": "Thanks!",
        "retrain_enabled": "on",
        **changes,
    }


@pytest.fixture
def save(marketer_client, draft_form):
    def post(**changes):
        return marketer_client.post("/app/forms/pricing/settings/", settings_post(**changes))

    return post


def test_the_page_shows_its_sections(marketer_client, draft_form):
    page = marketer_client.get("/app/forms/pricing/settings/").content.decode()
    for section in ("General", "Next steps", "SLA &amp; retraining", "Branding", "Closing"):
        assert f">{section}</h2>" in page
    assert 'enctype="multipart/form-data"' in page


def test_next_steps_are_saved_per_tier_with_resources_as_rows_in_order(save, draft_form):
    response = save(
        marketing_qualified_message="While we prepare, these answer the usual questions.",
        resource_title=["Pricing guide", "", "Customer stories"],
        resource_url=["https://www.example.com/pricing", "", "https://www.example.com/stories"],
        sales_ready_redirect_url="https://www.example.com/welcome",
    )
    assert response.status_code == 302
    form = Form.objects.get()
    assert form.resources == [
        {"title": "Pricing guide", "url": "https://www.example.com/pricing"},
        {"title": "Customer stories", "url": "https://www.example.com/stories"},
    ]
    assert form.sales_ready_redirect_url == "https://www.example.com/welcome"


def test_the_resources_show_as_rows_with_one_empty_row_to_add_another(marketer_client, draft_form):
    draft_form.resources = [{"title": "Pricing guide", "url": "https://www.example.com/p"}]
    draft_form.save()
    page = marketer_client.get("/app/forms/pricing/settings/").content.decode()
    assert 'value="Pricing guide"' in page
    assert page.count('name="resource_title"') == 3  # the row, an empty row, the template's


def test_a_resource_without_a_web_address_is_refused_and_the_rows_are_kept(save, draft_form):
    response = save(
        resource_title=["Pricing guide", "Sneaky"],
        resource_url=["https://www.example.com/pricing", "javascript:alert(1)"],
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "Resource 2 (“Sneaky”): “javascript:alert(1)” is not a web address" in page
    assert 'value="Sneaky"' in page
    assert Form.objects.get().resources == []


def test_a_resource_without_a_title_is_refused(save, draft_form):
    response = save(resource_title=[""], resource_url=["https://www.example.com/x"])
    assert "Resource 1: give it a title." in response.content.decode()


@pytest.mark.parametrize("url", ["ftp://files.example.com/x", "javascript:alert(1)", "not a url"])
def test_a_redirect_that_is_not_a_web_address_is_refused(save, draft_form, url):
    response = save(nurture_redirect_url=url)
    assert response.status_code == 422
    assert "Enter a" in response.content.decode()
    assert Form.objects.get().nurture_redirect_url == ""


def test_sla_minutes_per_tier_and_retraining_are_saved(save, draft_form):
    response = save(
        sla_sales_ready_minutes="15",
        sla_marketing_qualified_minutes="240",
        sla_nurture_minutes="",
        retrain_enabled="",
        retrain_after_outcomes="120",
    )
    assert response.status_code == 302
    form = Form.objects.get()
    assert (form.sla_sales_ready_minutes, form.sla_marketing_qualified_minutes) == (15, 240)
    assert form.sla_nurture_minutes is None
    assert (form.retrain_enabled, form.retrain_after_outcomes) == (False, 120)


def test_an_sla_of_zero_minutes_is_refused(save, draft_form):
    response = save(sla_sales_ready_minutes="0")
    assert response.status_code == 422
    assert "greater than or equal to 1" in response.content.decode()


def test_retraining_turned_off_is_never_due(draft_form):
    draft_form.retrain_enabled = False
    draft_form.retrain_after_outcomes = 1
    draft_form.save()
    check = form_retrain_if_due(form=draft_form)
    assert not check.trained and check.detail == "automatic retraining is off"


def test_closing_is_saved_and_the_page_says_the_form_is_open(save, marketer_client, draft_form):
    response = save(
        closes_at="2031-06-30T17:00",
        response_limit="100",
        closed_message="The beta is full.",
    )
    assert response.status_code == 302
    form = Form.objects.get()
    assert form.closes_at.isoformat() == "2031-06-30T17:00:00+00:00"
    assert (form.response_limit, form.closed_message) == (100, "The beta is full.")
    page = marketer_client.get("/app/forms/pricing/settings/").content.decode()
    assert "0 of 100 responses so far." in page and "Closes on 30 Jun 2031, 17:00." in page


def test_a_response_limit_of_zero_is_refused(save, draft_form):
    assert save(response_limit="0").status_code == 422


def test_an_empty_closed_message_falls_back_to_the_default(save, draft_form):
    save(closed_message="")
    assert Form.objects.get().closed_message.startswith("This form is closed")


# Branding


def test_a_font_stack_is_picked_and_used_on_the_public_form(save, draft_form):
    assert save(font="serif").status_code == 302
    form = Form.objects.get()
    assert form.font == "serif" and "Charter" in form.font_family


def test_an_unknown_font_is_refused(save, draft_form):
    assert save(font="comic-sans").status_code == 422


def test_an_accent_colour_white_text_cannot_be_read_on_is_refused_with_its_contrast(
    save, draft_form
):
    response = save(accent_color="#facc15")
    page = response.content.decode()
    assert response.status_code == 422
    assert "White button text on #facc15 has a contrast of only 1.5:1" in page
    assert Form.objects.get().accent_color == "#4338ca"


def test_a_dark_enough_accent_colour_is_saved(save, draft_form):
    assert save(accent_color="#0F766E").status_code == 302
    assert Form.objects.get().accent_color == "#0f766e"


def test_a_logo_is_uploaded_stored_in_the_database_and_served_cacheable(
    marketer_client, draft_form
):
    image = png()
    response = marketer_client.post(
        "/app/forms/pricing/settings/",
        {**settings_post(), "logo": SimpleUploadedFile("logo.png", image, "image/png")},
    )
    assert response.status_code == 302
    logo = FormLogo.objects.get()
    assert bytes(logo.content) == image and logo.content_type == "image/png"
    form = Form.objects.get()
    assert form.logo_hash == logo.sha256
    url = f"/f/pricing/logo/{logo.sha256}/"
    assert url in marketer_client.get("/app/forms/pricing/settings/").content.decode()
    served = marketer_client.get(url)
    assert served.status_code == 200 and served.content == image
    assert served["Content-Type"] == "image/png"
    assert served["ETag"] == f'"{logo.sha256}"'
    assert "immutable" in served["Cache-Control"]
    assert marketer_client.get(url, HTTP_IF_NONE_MATCH=served["ETag"]).status_code == 304


def test_a_logo_too_big_is_refused_with_its_size(marketer_client, draft_form):
    image = png(padding=b"x" * 210_000)
    response = marketer_client.post(
        "/app/forms/pricing/settings/",
        {**settings_post(), "logo": SimpleUploadedFile("logo.png", image, "image/png")},
    )
    assert response.status_code == 422
    assert "The logo is 206 KB; the limit is 200 KB." in response.content.decode()
    assert not FormLogo.objects.exists()


def test_a_file_that_is_not_an_image_is_refused_whatever_its_name(marketer_client, draft_form):
    response = marketer_client.post(
        "/app/forms/pricing/settings/",
        {
            **settings_post(),
            "logo": SimpleUploadedFile("logo.png", b"MZ\x90\x00 not a picture", "image/png"),
        },
    )
    assert response.status_code == 422
    assert "This file is not a PNG, JPEG, WebP or SVG image." in response.content.decode()


@pytest.mark.parametrize(
    "svg",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
        b'<a x:href="javascript:alert(1)"><rect/></a></svg>',
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "b">]><svg>&a;</svg>',
    ],
)
def test_an_svg_that_could_run_or_fetch_something_is_refused(marketer_client, draft_form, svg):
    response = marketer_client.post(
        "/app/forms/pricing/settings/",
        {**settings_post(), "logo": SimpleUploadedFile("logo.svg", svg, "image/svg+xml")},
    )
    assert response.status_code == 422
    assert "cannot show safely" in response.content.decode()


def test_a_plain_svg_logo_is_served_with_a_policy_that_runs_nothing(marketer_client, draft_form):
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
        b'<defs><linearGradient id="g"/></defs><rect width="10" height="10" fill="url(#g)"/></svg>'
    )
    marketer_client.post(
        "/app/forms/pricing/settings/",
        {**settings_post(), "logo": SimpleUploadedFile("logo.svg", svg, "image/svg+xml")},
    )
    served = marketer_client.get(f"/f/pricing/logo/{Form.objects.get().logo_hash}/")
    assert served["Content-Type"] == "image/svg+xml"
    assert served["Content-Security-Policy"] == (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    )


def test_the_logo_can_be_removed(marketer_client, draft_form):
    marketer_client.post(
        "/app/forms/pricing/settings/",
        {**settings_post(), "logo": SimpleUploadedFile("l.png", png(), "image/png")},
    )
    old = Form.objects.get().logo_hash
    marketer_client.post("/app/forms/pricing/settings/", settings_post(logo_remove="on"))
    assert Form.objects.get().logo_hash == "" and not FormLogo.objects.exists()
    assert marketer_client.get(f"/f/pricing/logo/{old}/").status_code == 404


def test_saving_settings_leaves_the_response_counter_to_the_submits(save, draft_form):
    draft_form.response_limit = 10
    draft_form.save()
    Form.objects.filter(pk=draft_form.pk).update(response_count=7)  # counted meanwhile
    save(response_limit="10")
    assert Form.objects.get().response_count == 7


def test_the_prospect_sees_the_logo_colour_and_font_on_the_form_and_the_next_step(
    client, demo_form
):
    form_update(form=demo_form, logo=png(), accent_color="#0f766e", font="rounded")
    demo_form.refresh_from_db()
    logo_url = f"/f/demo/logo/{demo_form.logo_hash}/"
    page = client.get("/f/demo/?embed=1")
    html = page.content.decode()
    assert logo_url in html and "--accent: #0f766e" in html and "ui-rounded" in html
    next_page = client.get(send(client, "demo", page, GOOD_ANSWERS)["Location"])
    assert logo_url in next_page.content.decode()


def test_a_closed_form_is_marked_closed_on_the_forms_list_and_its_header(
    marketer_client, demo_form
):
    form_update(form=demo_form, response_limit=1)
    Form.objects.filter(pk=demo_form.pk).update(response_count=1)
    for path in ("/app/forms/", "/app/forms/demo/settings/"):
        assert ">Closed</span>" in marketer_client.get(path).content.decode()
