"""The client's address: the one place that reads REMOTE_ADDR and X-Forwarded-For.

Behind reverse proxies REMOTE_ADDR is the nearest proxy's, and each proxy appends the address it
saw to X-Forwarded-For. Only what the trusted proxies wrote can be believed: with N of them
(FORMSCORE_TRUSTED_PROXIES) the client is the Nth entry from the right, the address the outermost
trusted proxy saw; whatever stands left of it the client wrote itself and is never read. With 0
(no proxy) the header is ignored. The submit rate limit, the address stored with a lead, the login
lockout (django-axes) and the API throttles all take the address from here; DRF's NUM_PROXIES is
set from the same setting.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

UNKNOWN = "unknown"


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address (normalised), or None when the request carries none."""
    trusted = settings.FORMSCORE_TRUSTED_PROXIES
    if trusted > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
        if forwarded is not None:
            entries = forwarded.split(",")
            # Fewer entries than proxies, or a malformed one where a trusted proxy writes: the
            # request did not come the configured way, so judge it by its peer (the proxy), which
            # never lets a client pick its own address.
            if len(entries) >= trusted:
                seen = _ip(entries[-trusted])
                if seen is not None:
                    return seen
    return _ip(request.META.get("REMOTE_ADDR", ""))


def client_address(request: HttpRequest) -> str:
    """The client's IP address, or "unknown": what limits are counted by."""
    return client_ip(request) or UNKNOWN


def _ip(entry: str) -> str | None:
    """An address as a proxy writes it ("203.0.113.9", "203.0.113.9:4711", "[2001:db8::1]:443"),
    normalised so one client is one key; None when it is not an address."""
    entry = entry.strip()
    if len(entry) > 64:  # longer than any address with a port: not one
        return None
    if entry.startswith("[") and "]" in entry:
        entry = entry[1 : entry.index("]")]
    elif entry.count(":") == 1:
        entry = entry.partition(":")[0]
    try:
        address = ipaddress.ip_address(entry)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address)
