"""The rate limit and the stored address behind the README's reverse proxy: every request
arrives from the proxy, and only the entries trusted proxies wrote into X-Forwarded-For count."""

import pytest

from forms_app.models import Lead
from tests.helpers.answers import GOOD_ANSWERS
from tests.helpers.submit import send

PROXY = {"REMOTE_ADDR": "10.0.0.2"}


@pytest.fixture
def two_submits_each(settings):
    settings.FORMSCORE_RATE_LIMIT = 2


def submit_from(client, page, forwarded_for: str, remote=PROXY):
    return send(client, "demo", page, GOOD_ANSWERS, HTTP_X_FORWARDED_FOR=forwarded_for, **remote)


def test_without_trusted_proxies_a_forged_forwarded_for_does_not_buy_more_submits(
    client, demo_form, two_submits_each, settings
):
    settings.FORMSCORE_TRUSTED_PROXIES = 0
    page = client.get("/f/demo/")
    sender = {"REMOTE_ADDR": "198.51.100.50"}
    statuses = [
        submit_from(client, page, f"203.0.113.{n}", remote=sender).status_code for n in range(4)
    ]
    assert statuses == [302, 302, 429, 429]


def test_behind_one_proxy_each_prospect_has_its_own_budget(
    client, demo_form, two_submits_each, settings
):
    settings.FORMSCORE_TRUSTED_PROXIES = 1
    page = client.get("/f/demo/")
    statuses = [submit_from(client, page, "203.0.113.9").status_code for _ in range(3)]
    assert statuses == [302, 302, 429]

    others = [submit_from(client, page, f"198.51.100.{n}").status_code for n in range(5)]
    assert others == [302] * 5


def test_behind_one_proxy_entries_a_client_adds_on_the_left_do_not_escape_the_limit(
    client, demo_form, two_submits_each, settings
):
    settings.FORMSCORE_TRUSTED_PROXIES = 1
    page = client.get("/f/demo/")
    statuses = [
        submit_from(client, page, f"192.0.2.{n}, 203.0.113.9").status_code for n in range(4)
    ]
    assert statuses == [302, 302, 429, 429]


def test_the_lead_keeps_the_prospects_address_not_the_proxys(client, demo_form, settings):
    settings.FORMSCORE_TRUSTED_PROXIES = 1
    send(
        client,
        "demo",
        client.get("/f/demo/"),
        GOOD_ANSWERS,
        HTTP_X_FORWARDED_FOR="203.0.113.9",
        **PROXY,
    )
    assert Lead.objects.get().capture["ip"] == "203.0.113.9"
