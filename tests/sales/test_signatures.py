"""The Standard Webhooks signer and verifier (pure functions), against the specification's own
test vector and the reference library."""

import base64
import hashlib
import hmac
import time
import uuid

import pytest
from standardwebhooks import Webhook

from forms_app.sales.signatures import (
    InvalidSecret,
    legacy_signature_header,
    legacy_signature_verify,
    message_id,
    secret_key,
    signature,
    signature_verify,
    signed_headers,
)

# The Standard Webhooks specification's test vector (shared/STACK.md).
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
OTHER_SECRET = "whsec_" + base64.b64encode(b"someone else's key").decode()


def test_the_signer_matches_the_specifications_test_vector():
    assert (
        signature(secret=SPEC_SECRET, msg_id=SPEC_ID, timestamp=SPEC_TIMESTAMP, body=SPEC_BODY)
        == SPEC_SIGNATURE
    )
    headers = signed_headers(
        signing_secrets=[SPEC_SECRET], msg_id=SPEC_ID, timestamp=SPEC_TIMESTAMP, body=SPEC_BODY
    )
    assert headers == {
        "webhook-id": SPEC_ID,
        "webhook-timestamp": str(SPEC_TIMESTAMP),
        "webhook-signature": SPEC_SIGNATURE,
    }
    assert signature_verify(
        secret=SPEC_SECRET, body=SPEC_BODY, headers=headers, now=SPEC_TIMESTAMP + 1
    )


def test_the_reference_library_verifies_what_we_sign_with_one_secret_or_two():
    now = int(time.time())
    headers = signed_headers(
        signing_secrets=[SPEC_SECRET, OTHER_SECRET], msg_id=SPEC_ID, timestamp=now, body=SPEC_BODY
    )

    assert len(headers["webhook-signature"].split(" ")) == 2
    assert Webhook(SPEC_SECRET).verify(SPEC_BODY, headers) == {"test": 2432232314}
    assert Webhook(OTHER_SECRET).verify(SPEC_BODY, headers) == {"test": 2432232314}
    assert signature_verify(secret=OTHER_SECRET, body=SPEC_BODY, headers=headers)


def test_our_verifier_refuses_a_stale_timestamp_another_secret_and_a_changed_body():
    now = int(time.time())
    headers = signed_headers(
        signing_secrets=[SPEC_SECRET], msg_id=SPEC_ID, timestamp=now, body=SPEC_BODY
    )

    assert signature_verify(secret=SPEC_SECRET, body=SPEC_BODY, headers=headers)
    assert not signature_verify(secret=SPEC_SECRET, body=SPEC_BODY, headers=headers, now=now + 301)
    assert not signature_verify(secret=OTHER_SECRET, body=SPEC_BODY, headers=headers)
    assert not signature_verify(secret=SPEC_SECRET, body=SPEC_BODY + b" ", headers=headers)
    assert not signature_verify(secret=SPEC_SECRET, body=SPEC_BODY, headers={})


def test_a_secret_is_whsec_and_base64_and_the_old_scheme_uses_the_same_key():
    assert secret_key("whsec_czNjcmV0") == b"s3cret"
    with pytest.raises(InvalidSecret):
        secret_key("whsec_not base64!")
    with pytest.raises(InvalidSecret):
        secret_key("whsec_")
    header = legacy_signature_header(secret="whsec_czNjcmV0", body=b"{}", timestamp=1700000000)
    old_scheme = hmac.new(b"s3cret", b"1700000000.{}", hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={old_scheme}"
    assert legacy_signature_verify(
        secret="whsec_czNjcmV0", body=b"{}", header=header, now=1700000000
    )


def test_the_message_id_is_msg_and_the_delivery_id():
    delivery = uuid.UUID("5f0c1a9e-3b7d-4c2a-8e6f-0b1d2c3a4e5f")
    assert message_id(delivery) == "msg_5f0c1a9e3b7d4c2a8e6f0b1d2c3a4e5f"
