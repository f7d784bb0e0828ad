"""Everyone changes their own password; reps edit the name and booking link prospects see."""

import pytest
from django.contrib.auth.models import User

from forms_app.models import AccountEvent, RepProfile
from tests.helpers.team import NEW_PASSWORD, PASSWORD

pytestmark = pytest.mark.django_db


def change_password(client, old=PASSWORD, new=NEW_PASSWORD, again=None):
    return client.post(
        "/app/settings/password/",
        {"old_password": old, "new_password1": new, "new_password2": again or new},
    )


@pytest.mark.parametrize("persona", ["ada", "morgan", "sam"])
def test_anyone_changes_their_own_password_and_stays_logged_in(client, persona, request):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = change_password(client)
    assert response.status_code == 302 and response["Location"] == "/app/settings/"
    assert "Password changed" in client.get("/app/settings/").content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert AccountEvent.objects.filter(user=user, kind="password_changed").exists()

    client.logout()
    old_login = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert old_login.status_code == 200  # refused
    assert (
        client.post("/login/", {"username": user.username, "password": NEW_PASSWORD}).status_code
        == 302
    )


def test_changing_the_password_ends_the_users_other_sessions(client, sam):
    other_browser = client.__class__()
    other_browser.force_login(sam)
    client.force_login(sam)
    change_password(client)
    assert client.get("/app/inbox/").status_code == 200
    assert other_browser.get("/app/inbox/").status_code == 302


def test_a_wrong_current_password_is_refused_in_words(client, sam):
    client.force_login(sam)
    response = change_password(client, old="not-it")
    assert response.status_code == 422
    html = response.content.decode()
    assert "Your old password was entered incorrectly" in html
    assert 'aria-invalid="true"' in html
    sam.refresh_from_db()
    assert sam.check_password(PASSWORD)


def test_a_weak_new_password_is_refused_by_the_password_validators(client, sam):
    client.force_login(sam)
    response = change_password(client, new="password")
    assert response.status_code == 422
    assert "This password is too common" in response.content.decode()


def test_a_rep_edits_their_display_name_and_booking_link(client, sam):
    client.force_login(sam)
    page = client.get("/app/inbox/").content.decode()
    assert 'href="/app/settings/"' in page.split("</nav>")[0]  # reachable from every page
    page = client.get("/app/settings/").content.decode()
    assert "Your rep profile" in page
    response = client.post(
        "/app/settings/profile/",
        {"display_name": "Samantha Seller", "booking_url": "cal.example/samantha"},
    )
    assert response.status_code == 302
    profile = RepProfile.objects.get(user=sam)
    assert profile.display_name == "Samantha Seller"
    assert profile.booking_url == "https://cal.example/samantha"
    assert profile.capacity == 50 and profile.active  # the managers' settings are untouched


def test_a_bad_booking_link_is_refused_next_to_the_field(client, sam):
    client.force_login(sam)
    response = client.post(
        "/app/settings/profile/", {"display_name": "", "booking_url": "not a link"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Enter a valid URL" in html and "This field is required" in html


def test_a_marketer_without_a_rep_profile_has_no_profile_to_edit(client, morgan):
    client.force_login(morgan)
    assert "Your rep profile" not in client.get("/app/settings/").content.decode()
    client.post("/app/settings/profile/", {"display_name": "M", "booking_url": ""})
    assert not RepProfile.objects.filter(user=morgan).exists()


def test_a_sales_user_without_a_profile_yet_can_create_theirs(client, sam):
    RepProfile.objects.filter(user=sam).delete()
    client.force_login(User.objects.get(pk=sam.pk))
    client.post("/app/settings/profile/", {"display_name": "Sam S", "booking_url": ""})
    assert RepProfile.objects.get(user=sam).display_name == "Sam S"


def test_the_settings_page_links_admins_to_the_team_page(client, ada, morgan):
    client.force_login(ada)
    assert 'href="/app/settings/team/"' in client.get("/app/settings/").content.decode()
    client.force_login(morgan)
    assert 'href="/app/settings/team/"' not in client.get("/app/settings/").content.decode()
