"""Webhook signatures, the Standard Webhooks way (standardwebhooks.com), and the old scheme.

A secret is "whsec_" + base64(key bytes). Each request carries ``webhook-id`` (the same for every
attempt of a message), ``webhook-timestamp`` (unix seconds of this attempt) and
``webhook-signature``: space-separated ``v1,<base64 HMAC-SHA256(key, f"{id}.{timestamp}.{body}")>``,
one per secret that signs — two while a rotated secret's grace period runs. A receiver accepts the
request when any of them matches its secret and the timestamp is recent.

The old ``X-Formscore-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(key, f"{t}.{body}")>`` is
still sent for one release, keyed with the same key bytes (for a secret migrated from a routing
rule those bytes are exactly the old secret's text). Pure functions: no database, no Django; new
secrets come from `forms_app.models.sales.webhook_secret_new`.
"""

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Iterable, Mapping

SECRET_PREFIX = "whsec_"
TOLERANCE_SECONDS = 5 * 60  # the spec's window for a timestamp, both ways


class InvalidSecret(ValueError):
    pass


def secret_key(secret: str) -> bytes:
    """The key bytes of a "whsec_…" secret (the prefix is optional, as in the spec's libraries)."""
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidSecret("A signing secret is whsec_ followed by base64.") from None
    if not key:
        raise InvalidSecret("A signing secret may not be empty.")
    return key


def message_id(delivery_id) -> str:
    """webhook-id: stable for every attempt of one outbox row, so receivers de-duplicate on it."""
    return f"msg_{getattr(delivery_id, 'hex', delivery_id)}"


def signature(*, secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    mac = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def signed_headers(
    *, signing_secrets: Iterable[str], msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The three Standard Webhooks headers; every secret given signs (newest first)."""
    signatures = [
        signature(secret=secret, msg_id=msg_id, timestamp=timestamp, body=body)
        for secret in signing_secrets
    ]
    if not signatures:
        raise InvalidSecret("At least one secret must sign.")
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signatures),
    }


def signature_verify(
    *,
    secret: str,
    body: bytes,
    headers: Mapping[str, str],
    tolerance: int = TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """What a receiver does: a recent timestamp and one matching v1 signature over the raw body."""
    lowered = {key.lower(): value for key, value in headers.items()}
    msg_id = lowered.get("webhook-id", "")
    try:
        timestamp = int(lowered.get("webhook-timestamp", ""))
    except ValueError:
        return False
    if not msg_id or abs((now or time.time()) - timestamp) > tolerance:
        return False
    expected = signature(secret=secret, msg_id=msg_id, timestamp=timestamp, body=body)
    return any(
        hmac.compare_digest(expected.encode(), candidate.encode())
        for candidate in lowered.get("webhook-signature", "").split(" ")
        if candidate.startswith("v1,")
    )


# --- the old scheme, sent beside the new headers for one release ---------------------------------


def legacy_signature_header(*, secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret_key(secret), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def legacy_signature_verify(
    *,
    secret: str,
    body: bytes,
    header: str,
    tolerance: int = TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance:
        return False
    expected = legacy_signature_header(secret=secret, body=body, timestamp=timestamp)
    return hmac.compare_digest(expected.encode(), header.encode())
