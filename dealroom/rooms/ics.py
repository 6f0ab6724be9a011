"""Meeting invitations as iCalendar (RFC 5545) files.

Mail clients (Outlook, Gmail, Apple Mail) turn a `METHOD:REQUEST` attachment into an
"accept / decline" invitation and a `METHOD:CANCEL` with the same UID and a higher SEQUENCE
into a cancellation, so the caller keeps one stable `uid` per meeting and bumps `sequence` on
every change. Times go out in UTC: no VTIMEZONE block to get wrong, and every client shows
them in the reader's own zone.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parseaddr

from icalendar import Calendar, Event, vCalAddress

PRODID = "-//Dealroom//Rooms//EN"

# An address goes into the file unescaped (CAL-ADDRESS is not TEXT), so anything that could
# end the line or start a parameter is refused rather than trusted.
_EMAIL = re.compile(r"[^\s@\"<>,;:]+@[^\s@\"<>,;:]+")
# Parameter values (CN) may not contain DQUOTE or control characters (RFC 5545 §3.1).
_PARAM_UNSAFE = re.compile(r"[\x00-\x1f\x7f\"]")


def _utc(value: datetime, name: str) -> datetime:
    """Aware datetimes only: a naive one has no defined instant, and guessing the server's
    zone would send guests to the wrong hour."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value.astimezone(UTC)


def _address(email: str, name: str, **params: str | bool) -> vCalAddress:
    """`email` may also be in "Name <addr>" form (settings.DEFAULT_FROM_EMAIL is); the
    display part then serves as the name when none is given."""
    display, address = parseaddr(email) if "<" in email else ("", email.strip())
    if not _EMAIL.fullmatch(address):
        raise ValueError(f"not a usable e-mail address: {email!r}")
    cn = " ".join(_PARAM_UNSAFE.sub(" ", name or display).split()) or None
    return vCalAddress.new(address, cn=cn, **params)  # type: ignore[arg-type]


def meeting_invitation(
    *,
    uid: str,
    title: str,
    description: str,
    starts_at: datetime,
    ends_at: datetime,
    place: str,
    organizer: tuple[str, str],
    attendees: list[tuple[str, str]],
    sequence: int = 0,
    cancelled: bool = False,
    url: str = "",
) -> bytes:
    """One VEVENT in a VCALENDAR, ready to attach as `text/calendar; method=REQUEST` (or
    CANCEL). `organizer` and each attendee are `(name, email)` pairs."""
    start, end = _utc(starts_at, "starts_at"), _utc(ends_at, "ends_at")
    if end < start:
        raise ValueError("ends_at is before starts_at")
    if not uid.strip():
        raise ValueError("uid is required")

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "CANCEL" if cancelled else "REQUEST")

    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", title)
    if description:
        event.add("description", description)
    if place:
        event.add("location", place)
    if url:
        event.add("url", url)
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    organizer_name, organizer_email = organizer
    event.add("organizer", _address(organizer_email, organizer_name))
    for name, email in attendees:
        event.add(
            "attendee",
            _address(email, name, role="REQ-PARTICIPANT", partstat="NEEDS-ACTION", rsvp=True),
        )
    cal.add_component(event)
    return cal.to_ical()
