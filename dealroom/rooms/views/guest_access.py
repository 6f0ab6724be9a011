"""A guest's way in: the e-mailed link, the landing page with its button, the e-mail code.

GET /r/<token>/ only parks the token in the session and redirects to /r/open/ (no token in
the address bar, history or referrer); mail scanners that follow links redeem nothing. The
POST of the landing page's button redeems. The token's own URL answers with
`Referrer-Policy: no-referrer`; the pages after it, whose URLs hold nothing secret, with
`same-origin`: nothing goes to other sites, and browsers keep sending the Origin header that
Django's CSRF check needs on the button's POST (under no-referrer, Chrome sends "null")."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from dealroom.core.errors import DomainError
from dealroom.core.net import client_ip

from .. import services
from .guards import guest_session_id, remember_guest_session

TOKEN_KEY = "guest_link_token"
PENDING_KEY = "guest_pending_session"


def _no_referrer(response, policy: str = "same-origin"):
    response["Referrer-Policy"] = policy
    return response


def _ip(request) -> str:
    return client_ip(request)


@never_cache
def link(request, token: str):
    request.session[TOKEN_KEY] = token[:200]
    return _no_referrer(redirect("room_link_open"), "no-referrer")


def _invalid(request, error: services.LinkInvalid):
    context = {
        "state": error.state,
        "invitation": error.invitation,
        "can_ask": error.invitation is not None,
    }
    return _no_referrer(render(request, "rooms/guest/link_invalid.html", context, status=410))


@never_cache
def link_open(request):
    token = request.session.get(TOKEN_KEY, "")
    state, invitation = services.invitation_by_token(token)
    if state != "valid":
        return _invalid(request, services.LinkInvalid(state, invitation))
    assert invitation is not None
    error = None
    if request.method == "POST":
        try:
            redeemed = services.guest_link_redeem(
                token=token,
                ip=_ip(request),
                known_session_id=guest_session_id(request, invitation.workspace_id),
                language=request.LANGUAGE_CODE,
            )
        except services.LinkInvalid as e:
            return _invalid(request, e)
        except DomainError as e:
            error = e
        else:
            request.session.pop(TOKEN_KEY, None)
            slug = invitation.workspace.slug
            if redeemed.needs_code:
                request.session[PENDING_KEY] = {
                    "session": redeemed.session.pk,
                    "slug": slug,
                    "room": redeemed.room_id,
                }
                return _no_referrer(redirect("room_code"))
            remember_guest_session(request, invitation.workspace_id, redeemed.session.pk)
            return _no_referrer(redirect("room_page", "g", slug, redeemed.room_id))
    context = {"invitation": invitation, "error": error}
    return _no_referrer(
        render(request, "rooms/guest/landing.html", context, status=429 if error else 200)
    )


@never_cache
def code(request):
    pending = request.session.get(PENDING_KEY)
    if not pending:
        return _invalid(request, services.LinkInvalid("unknown"))
    error = None
    try:
        session = services.guests.pending_session(pending["session"])
    except DomainError:
        request.session.pop(PENDING_KEY, None)
        return _invalid(request, services.LinkInvalid("unknown"))
    if request.method == "POST":
        try:
            services.guest_code_verify(
                session_id=session.pk,
                code=request.POST.get("code", ""),
                known_session_id=guest_session_id(request, session.workspace_id),
            )
        except services.LinkInvalid as e:
            return _invalid(request, e)
        except DomainError as e:
            error = e
        else:
            request.session.pop(PENDING_KEY, None)
            remember_guest_session(request, session.workspace_id, session.pk)
            return _no_referrer(redirect("room_page", "g", pending["slug"], pending["room"]))
    context = {"session": session, "email": session.invitation.email, "error": error}
    status = error.status if error else 200
    return _no_referrer(render(request, "rooms/guest/code.html", context, status=status))


@require_POST
def code_resend(request):
    pending = request.session.get(PENDING_KEY)
    if not pending:
        return _invalid(request, services.LinkInvalid("unknown"))
    try:
        services.guest_code_resend(session_id=pending["session"], language=request.LANGUAGE_CODE)
        sent = True
        error = None
    except DomainError as e:
        sent, error = False, e
    session = services.guests.pending_session(pending["session"])
    context = {"session": session, "email": session.invitation.email, "error": error, "sent": sent}
    return _no_referrer(
        render(request, "rooms/guest/code.html", context, status=error.status if error else 200)
    )


@require_POST
def new_link(request):
    """From the page of an expired or revoked link: ask the seller for a new one."""
    token = request.session.get(TOKEN_KEY, "")
    try:
        services.guest_new_link_request(
            token=token, ip=_ip(request), message=request.POST.get("message", "")
        )
        asked, error = True, None
    except DomainError as e:
        asked, error = False, e
    context = {"state": "asked" if asked else "unknown", "asked": asked, "error": error}
    return _no_referrer(
        render(request, "rooms/guest/link_invalid.html", context, status=200 if asked else 410)
    )


@never_cache
def guest_rooms(request, slug: str):
    """A guest's rooms in this workspace (to switch between them)."""
    from django.http import Http404

    from .. import selectors
    from .guards import resolve_actor

    actor = resolve_actor(request, "g", slug)
    if actor is None:
        raise Http404()
    rooms = selectors.my_rooms(actor=actor)
    return render(
        request, "rooms/my_rooms.html", {"rooms": rooms, "side": "g", "slug": slug, "guest": actor}
    )
