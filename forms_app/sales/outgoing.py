"""Outgoing HTTP requests (Slack, CRM webhooks) that cannot be turned inward.

A marketer types the URL and the worker calls it, so a URL is checked twice: when it is saved
(`outgoing_url_check`) and again when a request is sent (`outgoing_post`), after resolving the host,
by connecting to the very address that passed the check — no second lookup that a hostile DNS
server could answer differently. Only http and https; loopback, private, link-local, unique-local,
multicast, reserved and unspecified addresses are refused (IPv4-mapped and other spellings of
IPv6 addresses are read as the IPv4 address they carry). `FORMSCORE_OUTGOING_ALLOW_PRIVATE` lets
loopback and private addresses through for an on-premise CRM; cloud metadata addresses are refused
always. Redirects are never followed. What went wrong is told in words ("refused: private
address", "timed out", "HTTP 503"), never as exception text that would map the network.
"""

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

# Answered by cloud providers' instance-metadata services: credentials live there.
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata.goog", "metadata"})
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address)
    for address in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack…
        "169.254.170.2",  # AWS ECS task metadata
        "100.100.100.200",  # Alibaba Cloud
        "fd00:ec2::254",  # AWS over IPv6
    )
)
RESPONSE_BYTES_READ = 1024

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class OutgoingRefused(Exception):
    """A request that is not sent: the URL or the address it resolves to is not allowed."""


class OutgoingFailed(Exception):
    """A request that was sent and failed; the message says how, in words."""


@dataclass(frozen=True)
class OutgoingResponse:
    status: int
    seconds: float


def _allow_private() -> bool:
    return settings.FORMSCORE_OUTGOING_ALLOW_PRIVATE


def _embedded_ipv4(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 spelling carries (mapped, 6to4, Teredo), else the address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address.teredo is not None:
            return address.teredo[1]
    return address


def address_refusal(address: IPAddress, *, allow_private: bool) -> str | None:
    """Why a request may not go to this address, in words; None when it may."""
    address = _embedded_ipv4(address)
    if address in METADATA_ADDRESSES:
        return "refused: cloud metadata address"
    if address.is_multicast:
        return "refused: multicast address"
    if address.is_unspecified:
        return "refused: unspecified address"
    if address.is_link_local:
        return "refused: link-local address"
    if address.is_loopback:
        return None if allow_private else "refused: loopback address"
    if address.is_reserved:
        return "refused: reserved address"
    if address.is_private:
        return None if allow_private else "refused: private address"
    if not address.is_global:
        return "refused: reserved address"
    return None


def _url_parts(url: str) -> tuple[str, str, int]:
    """Scheme, host and port of a URL, or OutgoingRefused saying what is wrong with it."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise OutgoingRefused("refused: not a valid URL") from None
    if parts.scheme not in ("http", "https"):
        raise OutgoingRefused("refused: only http:// and https:// addresses")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise OutgoingRefused("refused: the URL has no host")
    if host in METADATA_HOSTS:
        raise OutgoingRefused("refused: cloud metadata address")
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80)


def _literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _resolved(host: str, port: int) -> list[IPAddress]:
    """Every address the host resolves to (odd spellings such as 2130706433 included)."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise OutgoingFailed("host not found") from None
    # A scope id ("fe80::1%eth0") is not part of the address.
    return [ipaddress.ip_address(answer[4][0].split("%")[0]) for answer in answers]


def _checked_addresses(host: str, port: int) -> list[IPAddress]:
    """The host's addresses, all of them allowed, or OutgoingRefused for the first that is not."""
    allow_private = _allow_private()
    addresses = _resolved(host, port)
    for address in addresses:
        refusal = address_refusal(address, allow_private=allow_private)
        if refusal is not None:
            raise OutgoingRefused(refusal)
    return addresses


def outgoing_url_check(url: str) -> None:
    """Raise ValidationError (in words) for a URL that requests must never be sent to.

    A host that does not resolve now is accepted: it is checked again at every delivery.
    """
    try:
        _, host, port = _url_parts(url)
        literal = _literal_address(host)
        if literal is not None:
            refusal = address_refusal(literal, allow_private=_allow_private())
            if refusal is not None:
                raise OutgoingRefused(refusal)
        else:
            _checked_addresses(host, port)
    except OutgoingRefused as exc:
        raise ValidationError(f"{str(exc).capitalize()}.") from None
    except OutgoingFailed:
        return


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an address checked beforehand, whatever the host name resolves to now."""

    def __init__(self, host: str, port: int, *, address: IPAddress, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = str(address)

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: IPAddress, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = str(address)

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # The certificate is checked against the host name, not the address.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def outgoing_post(
    url: str, *, body: bytes, headers: dict[str, str], timeout: float
) -> OutgoingResponse:
    """POST once to a checked address; a 2xx answer or OutgoingRefused/OutgoingFailed in words."""
    scheme, host, port = _url_parts(url)
    address = _checked_addresses(host, port)[0]
    connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(host, port, address=address, timeout=timeout)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    started = time.monotonic()
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(RESPONSE_BYTES_READ)
    except TimeoutError:
        raise OutgoingFailed("timed out") from None
    except ssl.SSLCertVerificationError:
        raise OutgoingFailed("TLS certificate not trusted") from None
    except ssl.SSLError:
        raise OutgoingFailed("TLS handshake failed") from None
    except ConnectionRefusedError:
        raise OutgoingFailed("connection refused") from None
    except (OSError, http.client.HTTPException):
        raise OutgoingFailed("connection failed") from None
    finally:
        connection.close()
    seconds = time.monotonic() - started
    if 300 <= response.status < 400:
        raise OutgoingFailed(f"redirect not followed: HTTP {response.status}")
    if not 200 <= response.status < 300:
        raise OutgoingFailed(f"HTTP {response.status}")
    return OutgoingResponse(status=response.status, seconds=seconds)
