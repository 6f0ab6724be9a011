"""The client's address, for throttles and records.

One place decides it: the ASGI server. `dealroom serve` has uvicorn take X-Forwarded-For
(and X-Forwarded-Proto) only from the proxies in FORWARDED_ALLOW_IPS and put the client it
names in the request's REMOTE_ADDR; from anyone else the header is the client's own claim and
is ignored. So nothing here reads forwarding headers: a forged one cannot move a login or
guest-link throttle to another address."""

from __future__ import annotations

from django.http import HttpRequest

MAX_ADDRESS = 45  # the longest IPv6 address written out; the column's size


def client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")[:MAX_ADDRESS]
