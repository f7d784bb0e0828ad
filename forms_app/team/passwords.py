"""A forgotten password: a link by e-mail, through the outbox, to choose a new one.

The link is Django's password-reset link (`default_token_generator`): it stops working once the
password changes (the token covers the password hash and the last login) and after
PASSWORD_RESET_TIMEOUT. Asking never says whether an address has an account, and one account
gets at most one link every RESET_EVERY, so the form cannot be used to flood someone's mailbox.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from forms_app.models import AccountEvent, Notification
from forms_app.sales.outbox import notifications_enqueue_with_rows
from forms_app.sales.reps import user_display_name
from forms_app.team.members import account_event_record

RESET_EVERY = timedelta(minutes=5)


def password_reset_link(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("forms_app:password_reset_confirm", args=[uid, token])
    return settings.SITE_URL + path


def _reset_email(user) -> dict:
    hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    body = (
        f"Someone asked to reset the password of your formscore account "
        f"({user.get_username()}).\n\n"
        f"Choose a new password here:\n{password_reset_link(user)}\n\n"
        f"The link works once, for {hours} hours. If you did not ask, ignore this e-mail: your "
        f"password stays as it is.\n"
    )
    return {"subject": "Reset your formscore password", "body": body}


def password_reset_request(*, email: str) -> int:
    """Send a reset link to each active account with this address; how many were sent.

    The caller shows the same answer whatever the count, so nobody learns who has an account.
    """
    users = get_user_model().objects.filter(email__iexact=email.strip(), is_active=True)
    now = timezone.now()
    sent = 0
    for user in users:
        if not user.has_usable_password():
            continue  # invited, not joined: their invitation sets the first password
        with transaction.atomic():
            recent = AccountEvent.objects.filter(
                user=user,
                kind=AccountEvent.Kind.PASSWORD_RESET_SENT,
                created_at__gt=now - RESET_EVERY,
            )
            if recent.exists():
                continue
            row = Notification.objects.create(
                channel=Notification.Channel.EMAIL,
                destination=user.email,
                payload=_reset_email(user),
                next_attempt_at=now,
            )
            notifications_enqueue_with_rows(ids=[row.pk])
            account_event_record(
                user=user,
                actor=None,
                kind=AccountEvent.Kind.PASSWORD_RESET_SENT,
                message=f"A password reset link was sent to {user_display_name(user)}",
            )
            sent += 1
    return sent
