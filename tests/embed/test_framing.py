"""Only a form's allowed sites may frame it; every other page of the product refuses framing."""

import pytest
from django.contrib.auth.models import User

from tests.helpers.answers import GOOD_ANSWERS
from tests.helpers.submit import send


def frame_ancestors(response) -> str:
    policy = response["Content-Security-Policy"]
    return next(d for d in policy.split(";") if d.strip().startswith("frame-ancestors")).strip()


def test_the_form_page_may_be_framed_by_its_allowed_sites_only(client, demo_form):
    demo_form.allowed_sites = ["https://www.example.com", "http://localhost:8151/contact"]
    demo_form.save()
    response = client.get("/f/demo/")
    assert frame_ancestors(response) == (
        "frame-ancestors 'self' https://www.example.com http://localhost:8151"
    )
    assert "X-Frame-Options" not in response
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_a_form_without_allowed_sites_is_framed_by_formscore_itself_only(client, demo_form):
    assert frame_ancestors(client.get("/f/demo/")) == "frame-ancestors 'self'"


@pytest.mark.parametrize(
    "site",
    [
        "https://evil.example; script-src *",
        "javascript:alert(1)",
        "https://exa mple.com",
        "*",
        "ftp://files.example",
    ],
)
def test_a_malformed_allowed_site_never_reaches_the_header(client, demo_form, site):
    demo_form.allowed_sites = [site, "https://ok.example"]
    demo_form.save()
    assert frame_ancestors(client.get("/f/demo/")) == "frame-ancestors 'self' https://ok.example"


def test_the_next_step_page_keeps_the_same_framing_policy(client, demo_form):
    demo_form.allowed_sites = ["https://www.example.com"]
    demo_form.save()
    done = send(client, "demo", client.get("/f/demo/"), GOOD_ANSWERS)
    response = client.get(done["Location"])
    assert response.status_code == 200
    assert frame_ancestors(response) == "frame-ancestors 'self' https://www.example.com"


# A missing form's page is the one exception: any site may frame it (tests/test_delivery.py).
@pytest.mark.parametrize("path", ["/login/", "/admin/login/", "/no-such-page/"])
def test_every_other_page_refuses_framing(client, db, path):
    response = client.get(path)
    assert response["X-Frame-Options"] == "DENY"
    assert frame_ancestors(response) == "frame-ancestors 'none'"


def test_the_workspace_refuses_framing(client, db):
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw-12345678"))
    response = client.get("/app/", follow=True)
    assert response["X-Frame-Options"] == "DENY"
    assert frame_ancestors(response) == "frame-ancestors 'none'"


def test_the_embed_script_is_javascript_any_site_can_load_and_cache(client, db):
    response = client.get("/embed.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Cache-Control"] == "public, max-age=3600"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert b"formscore:submitted" in response.content
    again = client.get("/embed.js", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert client.head("/embed.js").status_code == 200


def test_the_form_page_is_never_cached_so_no_two_prospects_share_a_token(client, demo_form):
    response = client.get("/f/demo/")
    assert "no-store" in response["Cache-Control"]


def test_embed_js_can_ask_whether_its_site_may_show_the_form(client, demo_form):
    demo_form.allowed_sites = ["https://www.example.com"]
    demo_form.save()
    allowed = client.get("/f/demo/frame-check/", HTTP_ORIGIN="https://www.example.com")
    other = client.get("/f/demo/frame-check/", HTTP_ORIGIN="https://evil.example")
    ours = client.get("/f/demo/frame-check/")
    assert allowed.json() == {"allowed": True, "origin": "https://www.example.com"}
    assert other.json() == {"allowed": False, "origin": "https://evil.example"}
    assert ours.json() == {"allowed": True, "origin": None}
    assert allowed["Access-Control-Allow-Origin"] == "*"
    assert allowed["Vary"] == "Origin"


def test_the_frame_check_of_a_form_that_is_not_published_is_a_404(client, draft_form):
    assert client.get("/f/pricing/frame-check/").status_code == 404
