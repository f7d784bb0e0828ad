"""Roles: anonymous users log in first, reps land on the inbox, marketers on their forms."""

import pytest
from django.contrib.auth.models import Group, User


@pytest.fixture
def marketer(db):
    user = User.objects.create_user("morgan", password="pw-for-tests-123")
    user.groups.add(Group.objects.get_or_create(name="marketer")[0])
    return user


@pytest.fixture
def rep(db):
    user = User.objects.create_user("sam", password="pw-for-tests-123")
    user.groups.add(Group.objects.get_or_create(name="sales")[0])
    return user


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get("/app/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/app/")


def test_the_login_page_logs_a_marketer_into_the_workspace(client, marketer):
    assert "Log in" in client.get("/login/").content.decode()
    response = client.post("/login/", {"username": "morgan", "password": "pw-for-tests-123"})
    assert response.status_code == 302
    assert client.get("/app/")["Location"] == "/app/forms/"


def test_a_wrong_password_is_explained(client, marketer):
    response = client.post("/login/", {"username": "morgan", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_a_sales_rep_lands_on_the_inbox(client, rep):
    client.force_login(rep)
    assert client.get("/app/")["Location"] == "/app/inbox/"


def test_a_sales_rep_sees_only_the_inbox_in_the_navigation(client, rep, marketer):
    client.force_login(rep)
    nav = client.get("/app/inbox/").content.decode().split("</nav>")[0]
    assert 'href="/app/inbox/"' in nav
    assert 'href="/app/forms/"' not in nav and 'href="/app/models/"' not in nav

    client.force_login(marketer)
    nav = client.get("/app/inbox/").content.decode().split("</nav>")[0]
    assert 'href="/app/forms/"' in nav and 'href="/app/models/"' in nav


def test_a_refused_page_explains_itself_in_the_products_look(client, rep):
    client.force_login(rep)
    response = client.get("/app/forms/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "You don't have access to this page" in html
    assert 'href="/app/"' in html
