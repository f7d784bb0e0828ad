"""The load benchmark's bare insert (bench/load_urls.py) is served by its own settings only."""

import pytest
from django.urls import Resolver404, resolve, reverse

from forms_app.models import Lead
from tests.helpers.answers import GOOD_ANSWERS

BARE_INSERT = "/bench/bare/demo/"


def test_the_product_urls_have_no_bare_insert():
    with pytest.raises(Resolver404):
        resolve(BARE_INSERT)


def test_the_benchmark_urls_serve_the_bare_insert_beside_the_product():
    assert resolve(BARE_INSERT, urlconf="bench.load_urls").url_name == "bench_bare_submit"
    assert resolve("/f/demo/", urlconf="bench.load_urls").url_name == "form_page"


def test_the_bare_insert_stores_the_validated_answers_unscored_and_unrouted(
    client, demo_form, settings
):
    settings.ROOT_URLCONF = "bench.load_urls"
    response = client.post(BARE_INSERT, {**GOOD_ANSWERS, "_fs_token": "never read"})
    lead = Lead.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("forms_app:next_step", args=["demo", lead.public_id])
    assert lead.answers == {**GOOD_ANSWERS, "consent": True}
    assert (lead.score, lead.assigned_to, lead.submission_token) == (None, None, None)


def test_the_bare_insert_refuses_bad_answers_by_field(client, demo_form, settings):
    settings.ROOT_URLCONF = "bench.load_urls"
    response = client.post(BARE_INSERT, {**GOOD_ANSWERS, "work_email": "not an address"})
    assert response.status_code == 422
    assert list(response.json()["answers"]) == ["work_email"]
    assert not Lead.objects.exists()
