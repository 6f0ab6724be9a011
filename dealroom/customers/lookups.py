"""`token__prefix="abc"`: a prefix match that uses the index on every database.

PostgreSQL uses the index for LIKE 'abc%' with the varchar_pattern_ops opclass (see the
index on SearchTerm). SQLite uses an index for LIKE only under conditions Django's LIKE does
not meet (case-insensitive LIKE wants a NOCASE column), so there we compare a range, which
the binary-collated index answers exactly."""

from __future__ import annotations

from django.db import models
from django.db.models import Lookup

HIGHEST = "\U0010ffff"


class TokenField(models.CharField):
    pass


@TokenField.register_lookup
class Prefix(Lookup):
    lookup_name = "prefix"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        value = str(self.rhs)
        return f"({lhs} >= %s AND {lhs} < %s)", [*lhs_params, value, value + HIGHEST]

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        escaped = str(self.rhs).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"{lhs} LIKE %s", [*lhs_params, escaped + "%"]
