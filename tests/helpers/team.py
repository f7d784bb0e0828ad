"""Shared steps of the team tests: passwords, and reading an invitation's link the way the
invitee does, from the e-mail the outbox worker delivered."""

import re

from django.core import mail

from tests.helpers.worker import run_worker

PASSWORD = "pw-for-tests-123"
NEW_PASSWORD = "a-long-new-passphrase-42"


def delivered_invitation_link(to: str) -> str:
    """Run the outbox worker, then read the link from the e-mail delivered to this address."""
    run_worker()
    sent = [message for message in mail.outbox if message.to == [to]]
    assert sent, f"no e-mail was delivered to {to}"
    found = re.search(r"https?://\S+/invite/\S+/", sent[-1].body)
    assert found, sent[-1].body
    return found.group(0)


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]
