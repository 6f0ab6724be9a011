"""Meeting invitations parse back with the fields mail clients rely on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from dealroom.rooms.ics import meeting_invitation

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2025, 3, 3, 14, 30, tzinfo=SHANGHAI)


def invitation(**overrides) -> bytes:
    values: dict[str, Any] = {
        "uid": "meeting-17@dealroom.example",
        "title": "季度业务回顾 QBR",
        "description": "议程：\n1. 报价, 折扣; 合同\n2. 下一步",
        "starts_at": START,
        "ends_at": START + timedelta(hours=1),
        "place": "上海市浦东新区 会议室 A",
        "organizer": ("王小明", "wang@seller.example"),
        "attendees": [("李雷", "li@customer.example"), ("Ann O'Neil", "ann@customer.example")],
    }
    values.update(overrides)
    return meeting_invitation(**values)


def parse(raw: bytes):
    cal = Calendar.from_ical(raw)
    events = list(cal.walk("VEVENT"))
    assert len(events) == 1
    return cal, events[0]


def test_request_round_trips():
    before = datetime.now(UTC).replace(microsecond=0)
    cal, event = parse(invitation(url="https://dealroom.example/r/17", sequence=2))

    assert str(cal["PRODID"]) == "-//Dealroom//Rooms//EN"
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["METHOD"]) == "REQUEST"

    assert str(event["UID"]) == "meeting-17@dealroom.example"
    assert str(event["SUMMARY"]) == "季度业务回顾 QBR"
    assert str(event["DESCRIPTION"]) == "议程：\n1. 报价, 折扣; 合同\n2. 下一步"
    assert str(event["LOCATION"]) == "上海市浦东新区 会议室 A"
    assert str(event["URL"]) == "https://dealroom.example/r/17"
    assert event["SEQUENCE"] == 2
    assert str(event["STATUS"]) == "CONFIRMED"

    assert event["DTSTART"].dt == datetime(2025, 3, 3, 6, 30, tzinfo=UTC)
    assert event["DTEND"].dt == datetime(2025, 3, 3, 7, 30, tzinfo=UTC)
    assert event["DTSTART"].dt.utcoffset() == timedelta(0)
    assert event["DTSTAMP"].dt >= before


def test_times_are_written_in_utc():
    raw = invitation()
    assert b"DTSTART:20250303T063000Z" in raw
    assert b"DTEND:20250303T073000Z" in raw


def test_organizer_and_attendees():
    _, event = parse(invitation())
    organizer = event["ORGANIZER"]
    assert str(organizer) == "mailto:wang@seller.example"
    assert organizer.params["CN"] == "王小明"

    attendees = event["ATTENDEE"]
    assert [str(a) for a in attendees] == [
        "mailto:li@customer.example",
        "mailto:ann@customer.example",
    ]
    assert [a.params["CN"] for a in attendees] == ["李雷", "Ann O'Neil"]
    for attendee in attendees:
        assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
        assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
        assert attendee.params["RSVP"] == "TRUE"


def test_single_attendee_and_no_url():
    _, event = parse(invitation(attendees=[("李雷", "li@customer.example")]))
    assert str(event["ATTENDEE"]) == "mailto:li@customer.example"
    assert "URL" not in event


def test_cancellation():
    cal, event = parse(invitation(cancelled=True, sequence=3))
    assert str(cal["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == 3


def test_naive_datetimes_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        invitation(starts_at=datetime(2025, 3, 3, 14, 30))
    with pytest.raises(ValueError, match="timezone-aware"):
        invitation(ends_at=datetime(2025, 3, 3, 15, 30))


def test_end_before_start_refused():
    with pytest.raises(ValueError):
        invitation(ends_at=START - timedelta(minutes=1))


def test_header_injection_in_names_and_addresses():
    raw = invitation(
        organizer=('Evil"\r\nATTENDEE:mailto:x@y', "wang@seller.example"),
        attendees=[("Li", "li@customer.example")],
    )
    _, event = parse(raw)
    assert str(event["ATTENDEE"]) == "mailto:li@customer.example"
    with pytest.raises(ValueError):
        invitation(attendees=[("x", "a@b.example\r\nMETHOD:PUBLISH")])


def test_lines_are_folded_and_crlf_terminated():
    raw = invitation(description="很长的描述" * 50)
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    _, event = parse(raw)
    assert str(event["DESCRIPTION"]) == "很长的描述" * 50


def test_organizer_address_in_name_angle_form():
    _, event = parse(invitation(organizer=("", "Dealroom <noreply@dealroom.example>")))
    assert str(event["ORGANIZER"]) == "mailto:noreply@dealroom.example"
    assert event["ORGANIZER"].params["CN"] == "Dealroom"
