"""A forgotten password: a link by e-mail through the outbox, once, without telling who exists."""

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail

from forms_app.models import AccountEvent, Notification
from tests.helpers.team import NEW_PASSWORD, PASSWORD, path_of
from tests.helpers.worker import run_worker

pytestmark = pytest.mark.django_db(transaction=True)  # the worker sees what the test commits


def ask(client, email):
    return client.post("/password/forgotten/", {"email": email})


def delivered_reset_link(to: str) -> str:
    run_worker()
    sent = [message for message in mail.outbox if message.to == [to]]
    assert sent, f"no e-mail was delivered to {to}"
    return re.search(r"https?://\S+/password/reset/\S+/", sent[-1].body).group(0)


def choose(client, link, password=NEW_PASSWORD):
    page = client.get(path_of(link), follow=True)  # the token moves into the session
    return client.post(
        page.redirect_chain[-1][0], {"new_password1": password, "new_password2": password}
    )


def test_the_login_page_offers_a_link_for_a_forgotten_password(client):
    assert 'href="/password/forgotten/"' in client.get("/login/").content.decode()


def test_a_rep_asks_for_a_link_chooses_a_new_password_and_is_logged_in(client, sam):
    response = ask(client, "SAM@example.com")
    assert response.status_code == 302
    assert (
        "a link to choose a new password is on its way"
        in client.get(response["Location"]).content.decode()
    )
    row = Notification.objects.get(destination="sam@example.com")
    assert row.lead is None and row.invitation is None

    link = delivered_reset_link("sam@example.com")
    assert mail.outbox[-1].subject == "Reset your formscore password"
    response = choose(client, link)
    assert response.status_code == 302 and response["Location"] == "/app/"
    assert client.get("/app/inbox/").status_code == 200
    sam.refresh_from_db()
    assert sam.check_password(NEW_PASSWORD)

    client.logout()
    page = client.get(path_of(link), follow=True)  # used: the password it covered changed
    assert "This link does not work anymore" in page.content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, sam):
    response = ask(client, "nobody@example.com")
    assert response.status_code == 302
    assert not Notification.objects.exists()


def test_one_account_gets_at_most_one_link_every_few_minutes(client, sam):
    ask(client, "sam@example.com")
    ask(client, "sam@example.com")
    assert Notification.objects.count() == 1
    assert AccountEvent.objects.filter(user=sam, kind="password_reset_sent").count() == 1


def test_a_deactivated_account_gets_no_link_and_an_old_link_stays_shut(client, ada, sam):
    ask(client, "sam@example.com")
    link = delivered_reset_link("sam@example.com")
    User.objects.filter(pk=sam.pk).update(is_active=False)
    page = client.get(path_of(link), follow=True)
    assert "This link does not work anymore" in page.content.decode()
    AccountEvent.objects.all().delete()
    ask(client, "sam@example.com")
    assert Notification.objects.count() == 1  # only the first
    sam.refresh_from_db()
    assert sam.check_password(PASSWORD)


def test_a_weak_new_password_is_refused_in_words(client, sam):
    ask(client, "sam@example.com")
    response = choose(client, delivered_reset_link("sam@example.com"), password="password")
    assert response.status_code == 422
    assert "This password is too common" in response.content.decode()


def test_a_bad_address_is_refused_next_to_the_field(client):
    response = ask(client, "not-an-address")
    assert response.status_code == 422
    assert "Enter a valid email address" in response.content.decode()
