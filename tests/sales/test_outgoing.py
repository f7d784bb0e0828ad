"""Outgoing requests cannot be turned inward: refused when saved, refused again when delivered."""

import socket

import pytest
from django.core.exceptions import ValidationError

from forms_app.capture.submit import lead_capture
from forms_app.models import Lead, Notification, RoutingRule
from forms_app.sales.outgoing import outgoing_url_check
from tests.helpers.answers import CONTACT_ANSWERS
from tests.helpers.rules import notify_rule
from tests.helpers.worker import run_worker

pytestmark = pytest.mark.django_db(transaction=True)  # the task worker reads what the test wrote

REFUSED_URLS = {
    "http://127.0.0.1:5432/": "loopback",
    "http://localhost/": "loopback",
    "http://[::1]/": "loopback",
    "http://127.1/": "loopback",
    "http://2130706433/": "loopback",
    "http://0x7f.0.0.1/": "loopback",
    "http://[::ffff:127.0.0.1]/": "loopback",
    "http://10.1.2.3/crm": "private",
    "http://172.16.5.4/": "private",
    "http://192.168.0.10/": "private",
    "http://[::ffff:10.0.0.1]/": "private",
    "http://[fd12:3456::1]/": "private",
    "http://[fe80::1]/": "link-local",
    "http://169.254.169.254/latest/meta-data/": "cloud metadata",
    "http://[fd00:ec2::254]/": "cloud metadata",
    "http://metadata.google.internal/computeMetadata/v1/": "cloud metadata",
    "http://224.0.0.1/": "multicast",
    "http://0.0.0.0/": "unspecified",
    "http://240.0.0.1/": "reserved",
    "ftp://files.example.com/leads": "only http:// and https://",
    "gopher://example.com/": "only http:// and https://",
}


@pytest.fixture
def private_addresses_refused(settings):
    settings.FORMSCORE_OUTGOING_ALLOW_PRIVATE = False


@pytest.mark.parametrize(("url", "reason"), REFUSED_URLS.items())
def test_a_url_to_an_inward_address_is_refused_when_saved(private_addresses_refused, url, reason):
    with pytest.raises(ValidationError) as refused:
        outgoing_url_check(url)

    assert reason in refused.value.messages[0]
    assert refused.value.messages[0].startswith("Refused: ")


def test_public_addresses_and_unresolvable_hosts_are_accepted_when_saved(
    private_addresses_refused,
):
    outgoing_url_check("https://93.184.215.14/hooks")
    outgoing_url_check("https://[2606:4700::6810:84e5]/hooks")
    outgoing_url_check("https://crm.example.invalid/hooks")  # checked again at every delivery


def test_the_on_premise_setting_allows_private_and_loopback_but_never_metadata(settings):
    settings.FORMSCORE_OUTGOING_ALLOW_PRIVATE = True
    outgoing_url_check("http://10.1.2.3/crm")
    outgoing_url_check("http://127.0.0.1:8161/")

    for url in ("http://169.254.169.254/", "http://[fd00:ec2::254]/", "http://[fe80::1]/"):
        with pytest.raises(ValidationError):
            outgoing_url_check(url)


def test_the_routing_page_refuses_a_private_webhook_url_and_says_why(
    client, marketer, contact_form, team, private_addresses_refused
):
    client.force_login(marketer)
    response = client.post(
        "/app/forms/contact/routing/new/",
        {
            "name": "Hot to the CRM",
            "action": "round_robin",
            "team": team.pk,
            "webhook_url": "http://192.168.1.20:8080/hook",
            "notify_slack_url": "http://169.254.169.254/",
        },
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert "Refused: private address." in page
    assert "Refused: cloud metadata address." in page
    assert not RoutingRule.objects.exists()


def rule_to(form, team, url: str) -> RoutingRule:
    return notify_rule(form, team, webhook_url=url)


def delivered_lead(form) -> Lead:
    lead = lead_capture(form=form, answers=CONTACT_ANSWERS, capture={}).lead
    run_worker()
    return lead


def test_a_loopback_address_saved_before_is_refused_again_when_delivered(
    settings, contact_form, team, receiver, fast_retries
):
    rule_to(contact_form, team, f"{receiver.url}/ok")  # saved while on-premise was allowed
    settings.FORMSCORE_OUTGOING_ALLOW_PRIVATE = False

    lead = delivered_lead(contact_form)

    row = Notification.objects.get(lead=lead)
    assert (row.status, row.last_error) == ("failed", "refused: loopback address")
    assert receiver.received == []


@pytest.mark.parametrize(
    ("address", "error"),
    [
        ("10.0.0.7", "refused: private address"),
        ("192.168.1.20", "refused: private address"),
        ("127.0.0.1", "refused: loopback address"),
        ("::1", "refused: loopback address"),
        ("::ffff:10.0.0.7", "refused: private address"),
        ("fd12:3456::1", "refused: private address"),
        ("fe80::1", "refused: link-local address"),
        ("169.254.169.254", "refused: cloud metadata address"),
        ("fd00:ec2::254", "refused: cloud metadata address"),
        ("224.0.0.1", "refused: multicast address"),
        ("0.0.0.0", "refused: unspecified address"),
        ("240.0.0.1", "refused: reserved address"),
    ],
)
def test_a_host_that_resolves_to_an_inward_address_at_delivery_is_refused(
    settings, contact_form, team, fast_retries, monkeypatch, address, error
):
    settings.FORMSCORE_OUTGOING_ALLOW_PRIVATE = False
    outgoing_url_check("http://crm.example.invalid/hook")  # does not resolve yet: accepted
    rule_to(contact_form, team, "http://crm.example.invalid/hook")
    real_getaddrinfo = socket.getaddrinfo
    family = socket.AF_INET6 if ":" in address else socket.AF_INET

    def rebound_dns(host, *args, **kwargs):  # the outside world: DNS now answers inward
        if host == "crm.example.invalid":
            return [(family, socket.SOCK_STREAM, 6, "", (address, 80))]
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebound_dns)
    lead = delivered_lead(contact_form)

    row = Notification.objects.get(lead=lead)
    assert (row.status, row.last_error) == ("failed", error)


def test_a_redirect_is_a_failed_delivery_and_is_not_followed(
    contact_form, team, receiver, fast_retries
):
    rule_to(contact_form, team, f"{receiver.url}/redirect")

    lead = delivered_lead(contact_form)

    row = Notification.objects.get(lead=lead)
    assert (row.status, row.last_error) == ("failed", "redirect not followed: HTTP 302")
    assert {item.path for item in receiver.received} == {"/redirect"}


@pytest.mark.parametrize(
    ("path", "error"), [("/fail", "HTTP 500"), ("/slow", "timed out"), (None, "connection refused")]
)
def test_delivery_errors_are_told_in_words(contact_form, team, receiver, fast_retries, path, error):
    if path is None:
        with socket.socket() as probe:  # a port nobody listens on
            probe.bind(("127.0.0.1", 0))
            url = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    else:
        url = f"{receiver.url}{path}"
    rule_to(contact_form, team, url)

    lead = delivered_lead(contact_form)

    assert Notification.objects.get(lead=lead).last_error == error


def test_a_slow_endpoint_does_not_hold_back_another_endpoints_delivery(
    contact_form, team, receiver
):
    for position, path in enumerate(["/very-slow", "/ok"], start=1):  # answers after 8 s, at once
        notify_rule(
            contact_form,
            team,
            webhook_url=f"{receiver.url}{path}",
            name=path,
            position=position,
            stop_after=False,
        )

    lead = delivered_lead(contact_form)

    slow, fast = Notification.objects.filter(lead=lead).order_by("pk")  # the slow one queued first
    assert (slow.destination, fast.destination) == (
        f"{receiver.url}/very-slow",
        f"{receiver.url}/ok",
    )
    arrived = {item.path: item.arrived_at for item in receiver.received}
    assert arrived["/ok"] - lead.created_at.timestamp() < 2
    assert set(Notification.objects.values_list("status", flat=True)) == {"delivered"}


def test_a_mail_server_that_cannot_be_reached_is_told_in_words(
    settings, contact_form, team, fast_retries
):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 2},
        }
    }
    notify_rule(contact_form, team, name="Tell the team", notify_emails="sales@example.com")

    lead = delivered_lead(contact_form)

    row = Notification.objects.get(lead=lead)
    assert (row.status, row.last_error) == (
        "failed",
        "e-mail not sent: could not reach the mail server",
    )
