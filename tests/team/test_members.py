"""Roles and deactivation, by admins only; the workspace always keeps an active admin."""

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from rest_framework.authtoken.models import Token

from forms_app.capture.submit import lead_capture
from forms_app.models import AccountEvent, RepProfile, RoutingRule, Team
from forms_app.permissions import Role, user_roles
from forms_app.team.members import (
    TeamRefusal,
    team_members,
    user_deactivate,
    user_role_set,
)
from tests.helpers.team import PASSWORD

pytestmark = pytest.mark.django_db


def roles_of(user) -> set[Role]:
    return user_roles(User.objects.get(pk=user.pk))


def set_role(client, user, role):
    return client.post(f"/app/settings/team/{user.pk}/role/", {"role": role})


def test_the_team_page_lists_everyone_with_role_status_and_last_login(client, ada, morgan, sam):
    client.force_login(ada)
    page = client.get("/app/settings/team/")
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("Ada Admin", "Morgan Marketer", "Sam Seller"):
        assert name in html
    assert "Never" in html  # morgan and sam never logged in
    assert 'aria-current="page">Team</a>' in html


def test_the_team_page_lists_members_in_a_fixed_number_of_queries(
    client, ada, morgan, sam, django_assert_max_num_queries
):
    client.force_login(ada)
    for n in range(5):
        User.objects.create_user(f"rep{n}", email=f"rep{n}@example.com")
    with django_assert_max_num_queries(16):
        assert client.get("/app/settings/team/").status_code == 200


def test_an_admin_makes_a_rep_a_marketer(client, ada, sam):
    client.force_login(ada)
    response = set_role(client, sam, "marketer")
    assert response.status_code == 302
    assert roles_of(sam) == {Role.MARKETER}
    assert "Sam Seller is now marketer." in client.get("/app/settings/team/").content.decode()
    event = AccountEvent.objects.get(kind="role_changed")
    assert event.actor == ada
    assert event.message == "Ada Admin changed Sam Seller's role from sales to marketer"


def test_making_someone_admin_gives_them_the_admin_site_too(client, ada, morgan):
    client.force_login(ada)
    set_role(client, morgan, "admin")
    morgan.refresh_from_db()
    assert morgan.is_superuser and morgan.is_staff and roles_of(morgan) == set(Role)
    set_role(client, morgan, "sales")
    morgan.refresh_from_db()
    assert not morgan.is_superuser and not morgan.is_staff
    assert roles_of(morgan) == {Role.SALES}
    assert RepProfile.objects.filter(user=morgan).exists()  # a rep, ready to be put on a team


def test_only_admins_change_roles(client, morgan, sam):
    client.force_login(morgan)
    assert set_role(client, sam, "admin").status_code == 403
    assert roles_of(sam) == {Role.SALES}
    with pytest.raises(PermissionDenied):
        user_role_set(user=sam, role=Role.ADMIN, actor=morgan)


def test_an_admin_cannot_change_their_own_role(client, ada):
    client.force_login(ada)
    set_role(client, ada, "marketer")
    assert "You cannot change your own role" in client.get("/app/settings/team/").content.decode()
    assert roles_of(ada) == set(Role)


def test_an_admin_hands_over_to_another_admin_and_steps_down(client, ada, morgan):
    client.force_login(ada)
    set_role(client, morgan, "admin")
    client.force_login(User.objects.get(pk=morgan.pk))
    set_role(client, ada, "marketer")
    assert roles_of(ada) == {Role.MARKETER}


def test_the_last_admin_can_be_neither_demoted_nor_deactivated(ada, morgan):
    # Ada may not act on herself; a script acting as a superuser who is no longer active (so not
    # counted) is the way to reach the rule that a workspace keeps one active admin.
    script = User.objects.create_user("script", is_superuser=True, is_active=False)
    with pytest.raises(TeamRefusal, match="Ada Admin is the last admin"):
        user_role_set(user=ada, role=Role.SALES, actor=script)
    with pytest.raises(TeamRefusal, match="Ada Admin is the last admin"):
        user_deactivate(user=ada, actor=script)
    ada.refresh_from_db()
    assert ada.is_active and ada.is_superuser

    lee = User.objects.create_user("lee", first_name="Lee")
    lee.groups.add(Group.objects.get_or_create(name="admin")[0])  # an admin by group counts too
    user_deactivate(user=ada, actor=script)
    with pytest.raises(TeamRefusal, match="Lee is the last admin"):
        user_role_set(user=lee, role=Role.MARKETER, actor=script)


def test_an_admin_cannot_deactivate_themselves(client, ada):
    client.force_login(ada)
    client.post(f"/app/settings/team/{ada.pk}/deactivate/")
    assert "You cannot deactivate yourself" in client.get("/app/settings/team/").content.decode()
    ada.refresh_from_db()
    assert ada.is_active


def test_a_deactivated_user_is_logged_out_and_cannot_log_in_or_use_their_token(
    client, ada, sam, make_form
):
    make_form(("Your name", "short_text", {"key": "full_name"}))
    token = Token.objects.create(user=sam)
    rep_client = client.__class__()
    rep_client.force_login(sam)
    assert rep_client.get("/app/inbox/").status_code == 200

    client.force_login(ada)
    assert client.post(f"/app/settings/team/{sam.pk}/deactivate/").status_code == 302
    sam.refresh_from_db()
    assert not sam.is_active
    assert rep_client.get("/app/inbox/").status_code == 302  # sent to log in
    assert (
        client.__class__().post("/login/", {"username": "sam", "password": PASSWORD}).status_code
        == 200
    )  # refused
    api = client.__class__().get(
        "/api/v1/forms/contact/leads", HTTP_AUTHORIZATION=f"Token {token.key}"
    )
    assert api.status_code == 401
    assert "Deactivated" in client.get("/app/settings/team/").content.decode()


def test_a_deactivated_rep_gets_no_new_leads(ada, sam, make_form):
    riley = User.objects.create_user("riley", password=PASSWORD)
    RepProfile.objects.create(user=riley, display_name="Riley Rep")
    team = Team.objects.create(name="Closers")
    team.members.set([sam, riley])
    form = make_form(("Your name", "short_text", {"key": "full_name"}))
    RoutingRule.objects.create(
        form=form, name="Everyone", team=team, action=RoutingRule.Action.ROUND_ROBIN
    )
    lead_capture(form=form, answers={"full_name": "First"}, capture={})  # routing is cached now

    user_deactivate(user=sam, actor=ada)

    leads = [
        lead_capture(form=form, answers={"full_name": f"Lead {n}"}, capture={}).lead
        for n in range(3)
    ]
    assert {lead.assigned_to_id for lead in leads} == {riley.pk}


def test_a_deactivated_user_can_be_reactivated(client, ada, sam):
    client.force_login(ada)
    client.post(f"/app/settings/team/{sam.pk}/deactivate/")
    client.post(f"/app/settings/team/{sam.pk}/reactivate/")
    sam.refresh_from_db()
    assert sam.is_active
    kinds = list(AccountEvent.objects.values_list("kind", flat=True))
    assert kinds == ["reactivated", "deactivated"]


def test_members_are_listed_active_first_then_invited_then_deactivated(ada, morgan, sam):
    user_deactivate(user=morgan, actor=ada)
    names = [member.name for member in team_members()]
    assert names == ["Ada Admin", "Sam Seller", "Morgan Marketer"]


def test_an_admin_unlocks_someone_locked_out_by_failed_logins(client, ada, sam):
    guesser = client.__class__()
    for attempt in range(12):
        guesser.post("/login/", {"username": "sam", "password": f"guess-{attempt}"})
    assert guesser.post("/login/", {"username": "sam", "password": PASSWORD}).status_code == 429

    client.force_login(ada)
    assert "Locked out" in client.get("/app/settings/team/").content.decode()
    response = client.post(f"/app/settings/team/{sam.pk}/unlock/")
    assert response.status_code == 302
    page = client.get("/app/settings/team/").content.decode()
    assert "Sam Seller can log in again now." in page and "Locked out" not in page
    assert AccountEvent.objects.filter(user=sam, kind="unlocked", actor=ada).exists()

    assert guesser.post("/login/", {"username": "sam", "password": PASSWORD}).status_code == 302


def test_only_admins_unlock(client, morgan, sam):
    client.force_login(morgan)
    assert client.post(f"/app/settings/team/{sam.pk}/unlock/").status_code == 403
