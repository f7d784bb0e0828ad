"""How pages reach a browser: compressed, with an icon, and our own page for a wrong address."""

import gzip

from django.contrib.auth.models import User

from forms_app.models import Form


def test_pages_are_compressed_for_a_browser_that_accepts_gzip(client, demo_form):
    response = client.get("/f/demo/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert b"Request my demo" in gzip.decompress(response.content)


def test_pages_are_plain_for_a_client_that_does_not_ask_for_compression(client, demo_form):
    response = client.get("/f/demo/")
    assert not response.has_header("Content-Encoding")
    assert b"Request my demo" in response.content


def test_workspace_pages_are_compressed_too(client, demo_form):
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw-12345678"))
    response = client.get("/app/forms/", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert len(response.content) < len(gzip.decompress(response.content)) / 2


def test_the_embed_script_comes_compressed_and_keeps_its_etag(client, db):
    plain = client.get("/embed.js")
    packed = client.get("/embed.js", HTTP_ACCEPT_ENCODING="gzip")
    assert packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == plain.content
    assert len(packed.content) < len(plain.content) / 2
    assert packed["Vary"] == plain["Vary"] == "Accept-Encoding"
    assert packed["ETag"] == plain["ETag"]
    for etag in (packed["ETag"], f"W/{packed['ETag']}"):
        again = client.get("/embed.js", HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304


def test_every_kind_of_page_names_its_icon(client, demo_form):
    icon = '<link rel="icon" href="/static/formscore/img/favicon.svg" type="image/svg+xml">'
    assert icon in client.get("/f/demo/").content.decode()
    assert icon in client.get("/login/").content.decode()
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw-12345678"))
    assert icon in client.get("/app/forms/").content.decode()
    svg = client.get("/static/formscore/img/favicon.svg")
    assert svg.status_code == 200
    assert b"<svg" in b"".join(svg.streaming_content)


def test_an_unknown_form_gets_a_styled_page_that_says_so(client, db):
    response = client.get("/f/no-such-form/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "<h1>This form is not available</h1>" in html
    assert "formscore/css/app.css" in html
    assert "◆ formscore" not in html  # a prospect sees the customer's form, not our brand


def test_an_unpublished_form_is_not_available_either(client, demo_form):
    demo_form.status = Form.Status.DRAFT
    demo_form.save()
    for path in ["/f/demo/", "/f/demo/?embed=1"]:
        response = client.get(path)
        assert response.status_code == 404
        assert "This form is not available" in response.content.decode()


def test_a_missing_form_may_say_so_inside_any_sites_frame(client, db):
    """Else a customer's page shows the browser's broken frame instead of the explanation."""
    response = client.get("/f/no-such-form/?embed=1")
    assert "frame-ancestors *" in response["Content-Security-Policy"]
    assert not response.has_header("X-Frame-Options")
    assert 'class="auth not-found embedded"' in response.content.decode()


def test_any_other_wrong_address_gets_the_styled_page_and_cannot_be_framed(client, db):
    response = client.get("/app/nowhere/")
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.content.decode()
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
