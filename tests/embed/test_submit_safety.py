"""The public submit in hostile territory: origins, tokens, honeypot, fill time and rate limit."""

import time

import pytest
from django.contrib.auth.models import User

from forms_app.models import Lead, SpamRefusal
from tests.helpers.answers import GOOD_ANSWERS
from tests.helpers.submit import send


@pytest.fixture
def embeddable(demo_form):
    demo_form.allowed_sites = ["https://www.example.com"]
    demo_form.save()
    return demo_form


def refusals(form) -> dict[str, int]:
    return {r.reason: r.count for r in SpamRefusal.objects.filter(form=form)}


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "https://www.example.com"},
        {"HTTP_ORIGIN": "http://testserver"},
        {"HTTP_REFERER": "https://www.example.com/pricing?x=1"},
        {},
    ],
    ids=["allowed-site", "same-origin", "allowed-referer", "no-browser-headers"],
)
def test_a_submit_from_an_allowed_page_is_stored(client, embeddable, headers):
    response = send(client, "demo", client.get("/f/demo/"), GOOD_ANSWERS, **headers)
    assert response.status_code == 302
    assert Lead.objects.count() == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "null"},
        {"HTTP_ORIGIN": "https://www.example.com.evil.example"},
        {"HTTP_REFERER": "https://evil.example/page"},
    ],
    ids=["other-site", "null-origin", "look-alike", "other-referer"],
)
def test_a_submit_from_a_site_not_on_the_list_is_refused_and_counted(client, embeddable, headers):
    response = send(client, "demo", client.get("/f/demo/"), GOOD_ANSWERS, **headers)
    assert response.status_code == 403
    assert "list of allowed sites" in response.content.decode()
    assert Lead.objects.count() == 0
    assert refusals(embeddable) == {"origin": 1}


def test_a_forged_token_is_refused_and_counted(client, demo_form):
    page = client.get("/f/demo/")
    response = send(client, "demo", page, {**GOOD_ANSWERS, "_fs_token": "eyJmIjoxfQ:forged"})
    assert response.status_code == 400
    assert "The form token is not valid" in response.content.decode()
    assert Lead.objects.count() == 0
    assert refusals(demo_form) == {"token": 1}


def test_an_expired_token_is_refused_and_counted(client, demo_form, settings):
    page = client.get("/f/demo/")
    settings.FORMSCORE_FORM_TOKEN_MAX_AGE = -1
    response = send(client, "demo", page, GOOD_ANSWERS)
    assert response.status_code == 400
    assert "This form has expired" in response.content.decode()
    assert refusals(demo_form) == {"token": 1}


def test_a_filled_honeypot_is_refused_and_never_stored(client, demo_form):
    page = client.get("/f/demo/")
    assert 'name="_fs_website"' in page.content.decode()
    response = send(client, "demo", page, {**GOOD_ANSWERS, "_fs_website": "http://spam.example"})
    assert response.status_code == 400
    assert "looks automated" in response.content.decode()
    assert Lead.objects.count() == 0
    assert refusals(demo_form) == {"honeypot": 1}


def test_too_fast_a_fill_is_refused_and_the_same_page_can_be_sent_again_later(
    client, demo_form, settings
):
    settings.FORMSCORE_MIN_FILL_SECONDS = 1
    page = client.get("/f/demo/")
    refused = send(client, "demo", page, GOOD_ANSWERS)
    assert refused.status_code == 400
    assert "faster than a person can fill the form" in refused.content.decode()
    assert 'value="Ada Lovelace"' in refused.content.decode()
    assert Lead.objects.count() == 0

    time.sleep(1.05)
    accepted = send(client, "demo", refused, GOOD_ANSWERS)
    assert accepted.status_code == 302
    assert Lead.objects.count() == 1
    assert refusals(demo_form) == {"too_fast": 1}


def test_an_empty_submit_too_fast_still_lists_the_missing_answers(client, demo_form, settings):
    settings.FORMSCORE_MIN_FILL_SECONDS = 60
    page = client.get("/f/demo/")
    refused = send(client, "demo", page, {})
    html = refused.content.decode()
    assert refused.status_code == 400
    assert "faster than a person can fill the form" in html
    assert "Please correct 9 answers:" in html
    assert '<a href="#id_work_email">Work e-mail: This field is required.</a>' in html
    assert '<a href="#id_timeline_0">When do you want to start?: This field' in html
    assert Lead.objects.count() == 0


def test_a_replayed_submit_gives_one_lead_and_the_same_answer(client, demo_form):
    page = client.get("/f/demo/")
    first = send(client, "demo", page, GOOD_ANSWERS)
    second = send(client, "demo", page, GOOD_ANSWERS)
    assert first["Location"] == second["Location"]
    assert Lead.objects.count() == 1


def test_the_rate_limit_refuses_with_429_per_address_and_form(
    client, demo_form, make_form, settings
):
    settings.FORMSCORE_RATE_LIMIT = 2
    other = make_form(("E-mail", "email", {"required": True}), slug="other")
    page = client.get("/f/demo/")
    for _ in range(2):
        assert send(client, "demo", page, GOOD_ANSWERS).status_code == 302

    refused = send(client, "demo", page, GOOD_ANSWERS)
    assert refused.status_code == 429
    assert refused["Retry-After"] == str(settings.FORMSCORE_RATE_LIMIT_WINDOW)
    assert "Too many submissions" in refused.content.decode()
    elsewhere = send(client, "demo", page, GOOD_ANSWERS, REMOTE_ADDR="10.0.0.9")
    assert elsewhere.status_code == 302
    other_page = client.get("/f/other/")
    assert send(client, "other", other_page, {"e_mail": "a@b.example"}).status_code == 302
    assert refusals(demo_form) == {"rate_limit": 1}
    assert refusals(other) == {}


def test_refused_attempts_are_visible_in_the_admin(client, demo_form):
    send(client, "demo", client.get("/f/demo/"), {**GOOD_ANSWERS, "_fs_website": "x"})
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw-12345678"))
    html = client.get("/admin/forms_app/spamrefusal/").content.decode()
    assert "Honeypot field filled" in html


def test_what_a_prospect_typed_is_escaped_when_shown_again(client, demo_form):
    page = client.get('/f/demo/?utm_source="><script>alert(1)</script>')
    assert "<script>alert(1)</script>" not in page.content.decode()
    answers = {**GOOD_ANSWERS, "full_name": "<img src=x onerror=alert(1)>", "work_email": "x"}
    response = send(client, "demo", page, answers)
    html = response.content.decode()
    assert response.status_code == 422
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
