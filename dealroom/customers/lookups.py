"""`token__prefix="abc"`: a prefix match that uses the index on every database.

PostgreSQL uses the index for LIKE 'abc%' with the varchar_pattern_ops opclass (see the
index on SearchTerm). SQLite uses an index for LIKE only under conditions Django's LIKE does
not meet (case-insensitive LIKE wants a NOCASE column), so there we compare a range, which
the binary-collated index answers exactly."""

from __future__ import annotations

from django.db import models
from django.db.models import Lookup
from django.db.models.lookups import IContains

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


class TextIContains(IContains):
    """`field__text_icontains="x"`: a case-insensitive substring of a text column, as
    `icontains` is, but on PostgreSQL written `col ILIKE '%x%'` instead of Django's
    `UPPER(col) LIKE UPPER('%x%')`: the planner estimates ILIKE from the column's statistics,
    while UPPER(col) has none and is guessed to match almost nothing, so a filter matching a
    third of the contacts (title contains 经理) got a plan that read and sorted all of them.
    A value without upper or lower case (Chinese, digits) is matched with plain LIKE, which
    finds the same rows at a third of ILIKE's cost per row."""

    lookup_name = "text_icontains"

    def as_sql(self, compiler, connection):
        return IContains(self.lhs, self.rhs).as_sql(compiler, connection)

    def as_postgresql(self, compiler, connection):
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        rhs_sql, rhs_params = self.process_rhs(compiler, connection)
        caseless = isinstance(self.rhs, str) and self.rhs.lower() == self.rhs.upper()
        operator = "LIKE" if caseless else "ILIKE"
        return f"{lhs_sql}::text {operator} {rhs_sql}", [*lhs_params, *rhs_params]


models.CharField.register_lookup(TextIContains)
models.TextField.register_lookup(TextIContains)


class InArray(Lookup):
    """`InArray(F("account_id"), subquery)`, a filter: `account_id = ANY(ARRAY(subquery))` on
    PostgreSQL, `account_id IN (subquery)` elsewhere. The same rows as `__in`, but PostgreSQL
    plans it as index lookups for the ids the subquery returns: planned as `IN`, a few
    thousand visible accounts made it hash all 194k account-contact links (a seq scan, 30 ms)
    instead of reading the ~10k links of those accounts from the index."""

    lookup_name = "in_array"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        rhs_sql, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs_sql} IN {rhs_sql}", [*lhs_params, *rhs_params]

    def as_postgresql(self, compiler, connection):
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        rhs_sql, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs_sql} = ANY(ARRAY{rhs_sql})", [*lhs_params, *rhs_params]


class AnyOf(Lookup):
    """`AnyOf(F("pk"), [ids])`, a filter: `pk = ANY(%s)` with the list as one array parameter
    on PostgreSQL, `pk IN (%s, …)` elsewhere. The planner knows exactly how many ids there
    are, and the statement carries one parameter, not thousands."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        ids = list(self.rhs) or [None]
        return f"{lhs_sql} IN ({', '.join(['%s'] * len(ids))})", [*lhs_params, *ids]

    def as_postgresql(self, compiler, connection):
        # One array literal made here: psycopg's list adapter checks every element against a
        # regex (3,800 ids: ~5 ms a statement); the ids are ints, so the literal is plain.
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        literal = "{" + ",".join(map(str, map(int, self.rhs))) + "}"
        return f"{lhs_sql} = ANY(%s::bigint[])", [*lhs_params, literal]
