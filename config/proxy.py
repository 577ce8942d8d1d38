"""The client's address behind the TLS reverse proxy, for login throttling (django-axes).

Behind nginx every request comes from the proxy's address, so counting failed logins by
``REMOTE_ADDR`` would lock the whole office out at once. The proxy appends the address it
was connected from to ``X-Forwarded-For`` (``proxy_add_x_forwarded_for``); whatever a client
put there itself stands to the left. So the client is the right-most address that is not one
of our proxies — and the header is believed only when the request comes from a trusted proxy
(``TRUSTED_PROXIES``), never when a client connects directly and forges it.

(django-ipware, which axes can use, prefers any public address found in the header — one a
client can forge — so it is not used.)
"""

import ipaddress

from django.conf import settings


def _address(text):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address, proxies) -> bool:
    return address is not None and any(address in proxy for proxy in proxies)


def client_ip(request) -> str | None:
    """The address failed logins count against (``AXES_CLIENT_IP_CALLABLE``)."""
    remote = request.META.get("REMOTE_ADDR")
    proxies = [ipaddress.ip_network(p, strict=False) for p in settings.TRUSTED_PROXIES]
    if not _trusted(_address(remote or ""), proxies):
        return remote
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # a malformed entry: nothing to its left can be trusted either
        if not _trusted(address, proxies):
            return str(address)
    return remote
