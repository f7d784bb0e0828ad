"""A user's key for the token API (forms_app/api/token_api.py): issue a new one, or revoke it."""

from django.db import transaction
from rest_framework.authtoken.models import Token


def api_token_issue(*, user) -> Token:
    """A fresh token for the user; the previous one, if any, stops working at once."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user)


def api_token_revoke(*, user) -> bool:
    """Delete the user's token; False when there was none."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return bool(deleted)
