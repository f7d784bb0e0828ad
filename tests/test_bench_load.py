"""The load benchmark's parts that touch the product: its bare insert (bench/load_urls.py) is
served by its own settings only; its history and tallies (bench/load_data.py) are what they say."""

from collections import Counter

import pytest
from django.contrib.auth.models import User
from django.urls import Resolver404, resolve, reverse

from forms_app.capture.tokens import form_token_issue
from forms_app.demo.history import demo_history_create
from forms_app.demo.sales import demo_sales_setup
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


@pytest.fixture
def demo_sales(demo_form):
    """The demo form with a short history and its two reps, as `manage.py demo` leaves it."""
    for username in ("sales1", "sales2"):
        User.objects.create_user(username=username, password="not-used-1")
    demo_history_create(demo_form, count=30)
    demo_sales_setup(form=demo_form)
    return demo_form


def test_the_benchmark_history_is_copies_assigned_in_turn_with_mixed_statuses(demo_sales):
    from bench.load_data import history

    assert history(total=230)["leads"] == 230
    copies = Lead.objects.filter(source=Lead.Source.FORM)
    assert copies.count() == 200
    assert Lead.objects.values("public_id").distinct().count() == 230
    per_rep = Counter(copies.values_list("assigned_to__username", flat=True))
    assert set(per_rep) == {"sales1", "sales2"} and min(per_rep.values()) >= 90  # in turn
    statuses = set(copies.values_list("status", flat=True))
    assert statuses == {"new", "contacted", "won", "lost"}
    assert not copies.filter(submission_token__isnull=False).exists()


def test_the_tally_counts_the_submitted_leads_routed_round_robin(demo_sales, client):
    from bench.load_data import prepare, tally

    prepare()
    before = Lead.objects.order_by("pk").last().pk
    for n in range(3):  # three people, as the benchmark sends (a repeat stays with its owner)
        token = form_token_issue(form_id=demo_sales.pk)
        person = {"work_email": f"prospect{n}@lovelace.example"}
        client.post("/f/demo/", {**GOOD_ANSWERS, **person, "_fs_token": token})
    counted = tally(after=before)
    assert (counted["submitted"], counted["assigned"], counted["round_robin"]) == (3, 3, 3)
    assert sorted(counted["per_rep"].values()) == [1, 2]
