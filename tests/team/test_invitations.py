"""Inviting people: the e-mail goes through the outbox; the link sets a password, once, in time."""

import io
import socket
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.utils import timezone

from forms_app.models import AccountEvent, Invitation, Notification, RepProfile
from forms_app.permissions import Role, user_roles
from forms_app.team.invitations import invitation_create
from forms_app.team.members import TeamRefusal
from tests.helpers.team import NEW_PASSWORD, delivered_invitation_link, path_of
from tests.helpers.worker import run_worker

pytestmark = pytest.mark.django_db(transaction=True)  # the worker sees what the test commits


def invite(client, email="grace@example.com", name="Grace Hopper", role="sales"):
    return client.post("/app/settings/team/invite/", {"email": email, "name": name, "role": role})


def join(client, link, name="Grace Hopper", password=NEW_PASSWORD, again=None):
    return client.post(
        path_of(link),
        {"name": name, "new_password1": password, "new_password2": again or password},
    )


def test_an_admin_invites_someone_and_the_email_is_delivered_by_the_outbox_worker(client, ada):
    client.force_login(ada)
    response = invite(client)
    assert response.status_code == 302 and response["Location"] == "/app/settings/team/"

    grace = User.objects.get(email="grace@example.com")
    assert grace.username == "grace@example.com"
    assert not grace.is_active and not grace.has_usable_password()
    assert Role.SALES in user_roles(grace)
    row = Notification.objects.get(invitation__user=grace)
    assert row.channel == Notification.Channel.EMAIL and row.lead is None
    assert mail.outbox == []  # nothing is sent in the request: the worker sends it

    link = delivered_invitation_link("grace@example.com")
    row.refresh_from_db()
    assert row.status == Notification.Status.DELIVERED
    message = mail.outbox[-1]
    assert message.subject == "Ada Admin invited you to formscore"
    assert "as sales" in message.body and "grace@example.com" in message.body
    assert link.startswith(f"{settings.SITE_URL}/invite/")


def test_only_the_tokens_hash_is_stored(client, ada):
    client.force_login(ada)
    invite(client)
    link = delivered_invitation_link("grace@example.com")
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert not Invitation.objects.filter(token_hash=token).exists()
    assert len(Invitation.objects.get().token_hash) == 64


def test_the_invitee_sets_a_password_joins_and_is_logged_in(client, ada):
    client.force_login(ada)
    invite(client)
    link = delivered_invitation_link("grace@example.com")
    client.logout()

    page = client.get(path_of(link))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ada Admin invited you" in html and "grace@example.com" in html
    # Another site is never sent the address, with its token, as a referrer: only the origin.
    assert page["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin")

    response = join(client, link)
    assert response.status_code == 302 and response["Location"] == "/app/"
    assert client.get("/app/")["Location"] == "/app/inbox/"  # logged in, as a rep
    grace = User.objects.get(email="grace@example.com")
    assert grace.is_active and grace.check_password(NEW_PASSWORD)
    assert grace.get_full_name() == "Grace Hopper"
    assert RepProfile.objects.get(user=grace).display_name == "Grace Hopper"
    assert AccountEvent.objects.filter(user=grace, kind="joined").exists()

    client.logout()
    logged_in = client.post("/login/", {"username": "grace@example.com", "password": NEW_PASSWORD})
    assert logged_in.status_code == 302


def test_a_weak_or_mismatched_password_is_refused_in_words(client, ada):
    client.force_login(ada)
    invite(client)
    link = delivered_invitation_link("grace@example.com")
    client.logout()

    weak = join(client, link, password="12345678")
    assert weak.status_code == 422
    assert "This password is too common" in weak.content.decode()
    mismatched = join(client, link, again="something-else-entirely-9")
    assert mismatched.status_code == 422
    assert "didn’t match" in mismatched.content.decode()
    assert not User.objects.get(email="grace@example.com").is_active


def test_a_used_link_says_so_and_offers_to_log_in(client, ada):
    client.force_login(ada)
    invite(client)
    link = delivered_invitation_link("grace@example.com")
    client.logout()
    join(client, link)
    client.logout()

    page = client.get(path_of(link))
    assert page.status_code == 410
    assert "This invitation was used already" in page.content.decode()
    assert join(client, link, password="another-long-passphrase-7").status_code == 410
    assert User.objects.get(email="grace@example.com").check_password(NEW_PASSWORD)


def test_an_expired_link_says_so_and_who_to_ask(client, ada):
    client.force_login(ada)
    invite(client)
    link = delivered_invitation_link("grace@example.com")
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    client.logout()

    page = client.get(path_of(link))
    assert page.status_code == 410
    html = page.content.decode()
    assert "This invitation has expired" in html and "Ask Ada Admin" in html
    assert join(client, link).status_code == 410
    assert not User.objects.get(email="grace@example.com").is_active


def test_an_unknown_link_is_not_found(client):
    page = client.get("/invite/not-a-real-token/")
    assert page.status_code == 404
    assert "This invitation link does not work" in page.content.decode()


def test_sending_again_makes_a_new_link_and_ends_the_old_one(client, ada):
    client.force_login(ada)
    invite(client)
    old = delivered_invitation_link("grace@example.com")
    invitation = Invitation.objects.get()
    response = client.post(f"/app/settings/team/invitations/{invitation.pk}/resend/")
    assert response.status_code == 302
    new = delivered_invitation_link("grace@example.com")
    assert new != old
    client.logout()

    assert client.get(path_of(old)).status_code == 404  # replaced
    assert join(client, new).status_code == 302


def test_a_withdrawn_invitation_no_longer_works_and_can_be_sent_again(client, ada):
    client.force_login(ada)
    invite(client)
    link = delivered_invitation_link("grace@example.com")
    invitation = Invitation.objects.get()
    client.post(f"/app/settings/team/invitations/{invitation.pk}/revoke/")
    assert "Invitation withdrawn" in client.get("/app/settings/team/").content.decode()
    client.logout()
    page = client.get(path_of(link))
    assert page.status_code == 410 and "withdrawn" in page.content.decode()

    client.force_login(ada)
    client.post(f"/app/settings/team/invitations/{invitation.pk}/resend/")
    client.logout()
    assert join(client, delivered_invitation_link("grace@example.com")).status_code == 302


def test_someone_with_an_account_cannot_be_invited(client, ada, sam):
    client.force_login(ada)
    response = invite(client, email="SAM@example.com")
    assert response.status_code == 422
    assert "sam@example.com already has an account" in response.content.decode()


def test_someone_invited_already_is_sent_the_invitation_again_instead(client, ada):
    client.force_login(ada)
    invite(client)
    response = invite(client)
    assert response.status_code == 422
    assert "invited already" in response.content.decode()
    assert Invitation.objects.count() == 1


def test_a_bad_email_address_is_refused_next_to_the_field(client, ada):
    client.force_login(ada)
    response = invite(client, email="not-an-address")
    assert response.status_code == 422
    assert "Enter a valid email address" in response.content.decode()
    assert not User.objects.filter(username="not-an-address").exists()


def test_only_admins_invite(client, morgan, sam):
    for persona in (morgan, sam):
        client.force_login(persona)
        assert client.get("/app/settings/team/").status_code == 403
        assert invite(client).status_code == 403
    assert not User.objects.filter(email="grace@example.com").exists()
    with pytest.raises(PermissionDenied):
        invitation_create(email="grace@example.com", name="", role=Role.SALES, actor=morgan)


def test_an_invited_admin_is_an_admin_once_they_join(client, ada):
    client.force_login(ada)
    invite(client, email="lin@example.com", name="Lin", role="admin")
    link = delivered_invitation_link("lin@example.com")
    client.logout()
    join(client, link, name="Lin Lee")
    assert client.get("/app/settings/team/").status_code == 200


def test_a_failed_invitation_email_is_shown_on_the_team_page(client, ada, settings):
    with socket.socket() as probe:  # a port nobody listens on: the mail server is down
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 2},
        }
    }
    settings.FORMSCORE_OUTBOX_MAX_ATTEMPTS = 1
    client.force_login(ada)
    invite(client)
    run_worker()
    assert Notification.objects.get().status == Notification.Status.FAILED
    assert "E-mail failed" in client.get("/app/settings/team/").content.decode()
    reps = client.get("/app/reps/").content.decode()
    assert "Invitation to grace@example.com" in reps


def test_refusals_are_errors_in_words(ada):
    invitation_create(email="grace@example.com", name="", role=Role.SALES, actor=ada)
    with pytest.raises(TeamRefusal, match="invited already"):
        invitation_create(email="grace@example.com", name="", role=Role.SALES, actor=ada)


def test_the_invite_command_invites_as_the_team_page_does(ada, morgan):
    out = io.StringIO()
    call_command(
        "invite", "lin@example.com", role="marketer", name="Lin Lee", actor="ada", stdout=out
    )
    assert "Invited lin@example.com as marketer" in out.getvalue()
    assert delivered_invitation_link("lin@example.com")
    with pytest.raises(CommandError, match="Only admins manage the team"):
        call_command("invite", "kim@example.com", role="sales", actor="morgan")
    with pytest.raises(CommandError, match="invited already"):
        call_command("invite", "lin@example.com", role="sales", actor="ada")
