"""Files people open in a spreadsheet (the CSV export of every list). Each cell goes through
`safe_cell`, here and nowhere else, so text people typed is never run as a formula."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.http import StreamingHttpResponse

# OWASP "CSV Injection" (owasp.org/www-community/attacks/CSV_Injection): a cell that begins
# with one of these is read as a formula by Excel, LibreOffice and Google Sheets; prefixing it
# with a single quote makes it text. OWASP's rule looks at the first character only, and so do
# we: " =1" (whitespace first) is not neutralised, as OWASP does not ask it. Its other concern,
# a separator or quote inside a value starting a new cell, is the csv module's quoting.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A value as the file holds it. Numbers stay numbers (-5 is minus five in a spreadsheet,
    not a formula); text beginning like a formula gets a single quote in front."""
    if isinstance(value, int | float | Decimal):
        return value
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """A file for csv.writer that hands each line back instead of keeping it."""

    def write(self, line: str) -> str:
        return line


def csv_response(filename: str, rows: Iterable[Iterable]) -> StreamingHttpResponse:
    """`rows` (the header first) as a CSV download, streamed: a row is read as it is sent."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff"  # Excel opens UTF-8 (Chinese) correctly only with a BOM
        for row in rows:
            yield writer.writerow([safe_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
