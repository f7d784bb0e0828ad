"""Signed, expiring form tokens: they protect the public submit without relying on a cookie.

An embedded form lives in a third-party page where cookies are often blocked, so the token issued
with the form carries what the submit needs: which form, when it was shown (the fill time), and a
nonce that makes a replayed submit find the lead it already created.
"""

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core import signing

_SALT = "formscore.form-token"


class FormTokenError(Exception):
    """The token is missing, forged, expired or for another form; the message says which."""


@dataclass(frozen=True)
class FormToken:
    form_id: int
    nonce: str
    issued_at: datetime


def form_token_issue(*, form_id: int) -> str:
    return signing.TimestampSigner(salt=_SALT).sign_object(
        {"f": form_id, "n": secrets.token_urlsafe(16), "t": round(time.time(), 3)}
    )


def form_token_read(token: str, *, form_id: int) -> FormToken:
    if not token:
        raise FormTokenError("The form token is missing. Reload the page and submit again.")
    signer = signing.TimestampSigner(salt=_SALT)
    try:
        payload = signer.unsign_object(token, max_age=settings.FORMSCORE_FORM_TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise FormTokenError("This form has expired. Reload the page and submit again.") from None
    except signing.BadSignature:
        raise FormTokenError(
            "The form token is not valid. Reload the page and try again."
        ) from None
    if not isinstance(payload, dict) or payload.get("f") != form_id or not payload.get("n"):
        raise FormTokenError("The form token belongs to another form. Reload the page.")
    issued_at = datetime.fromtimestamp(float(payload.get("t", 0)), tz=UTC)
    return FormToken(form_id=form_id, nonce=str(payload["n"]), issued_at=issued_at)
