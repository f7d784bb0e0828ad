"""The client's address is read in one place, through the configured number of trusted proxies:
what a client writes into X-Forwarded-For itself is never believed."""

import ast
from pathlib import Path

import pytest
from django.test import RequestFactory

from forms_app.api.throttles import ScoreThrottle, SubmitThrottle
from formscore.proxies import client_address

ROOT = Path(__file__).resolve().parents[1]
THE_PLACE = "formscore/proxies.py"
PROXY = "10.0.0.2"


def request_from(remote_addr: str, forwarded_for: str | None = None):
    headers = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().get("/", **headers)


@pytest.mark.parametrize(
    ("forwarded_for", "client"),
    [(None, "203.0.113.9"), ("198.51.100.7", "203.0.113.9"), ("junk, 1.2.3.4", "203.0.113.9")],
)
def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings, forwarded_for, client):
    settings.FORMSCORE_TRUSTED_PROXIES = 0
    assert client_address(request_from("203.0.113.9", forwarded_for)) == client


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "client"),
    [
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the client wrote 6.6.6.6 itself
        (1, " 6.6.6.6 ,203.0.113.9 ", "203.0.113.9"),
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.1", "203.0.113.9"),
        (1, "2001:DB8:0::1", "2001:db8::1"),
        (1, "203.0.113.9:50312", "203.0.113.9"),
        (1, "[2001:db8::1]:443", "2001:db8::1"),
        (1, "::ffff:203.0.113.9", "203.0.113.9"),
    ],
)
def test_behind_trusted_proxies_the_client_is_what_the_outermost_one_saw(
    settings, proxies, forwarded_for, client
):
    settings.FORMSCORE_TRUSTED_PROXIES = proxies
    assert client_address(request_from(PROXY, forwarded_for)) == client


@pytest.mark.parametrize(
    ("proxies", "forwarded_for"),
    [
        (1, None),
        (1, ""),
        (2, "203.0.113.9"),  # fewer entries than proxies: the header did not come through them
        (1, "not-an-address"),
        (1, "6.6.6.6, <script>"),
        (1, "203.0.113.9, " + "x" * 5000),
    ],
    ids=["no-header", "empty", "too-few", "malformed", "malformed-last", "long-junk"],
)
def test_a_missing_short_or_malformed_forwarded_header_falls_back_to_the_peer(
    settings, proxies, forwarded_for
):
    settings.FORMSCORE_TRUSTED_PROXIES = proxies
    assert client_address(request_from(PROXY, forwarded_for)) == PROXY


def test_a_request_without_a_peer_address_is_unknown(settings):
    settings.FORMSCORE_TRUSTED_PROXIES = 0
    assert client_address(request_from("")) == "unknown"


def test_drf_counts_the_same_trusted_proxies(settings):
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.FORMSCORE_TRUSTED_PROXIES


def test_the_api_throttles_know_a_caller_by_the_same_address(settings):
    settings.FORMSCORE_TRUSTED_PROXIES = 1
    request = request_from(PROXY, "6.6.6.6, 203.0.113.9")
    for throttle in (SubmitThrottle(), ScoreThrottle()):
        assert throttle.get_ident(request) == "203.0.113.9"


def _reads_the_address(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value.upper().replace("-", "_")
            if "REMOTE_ADDR" in text or "FORWARDED_FOR" in text:
                return True
    return False


def test_only_one_module_reads_the_peer_address_or_the_forwarded_header():
    readers = {
        path.relative_to(ROOT).as_posix()
        for package in ("formscore", "forms_app", "scoring")
        for path in (ROOT / package).rglob("*.py")
        if _reads_the_address(path)
    }
    assert readers == {THE_PLACE}
