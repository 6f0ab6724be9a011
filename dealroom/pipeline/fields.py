"""An opportunity's standard fields, described for the customers app's one field catalogue
(forms, lists, filters, detail, API, export, field permissions and timelines use it)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dealroom.customers.fields import CREATED, OWNER, UPDATED, Field

from .models import Source, Status

CURRENCIES = ("CNY", "USD", "EUR", "HKD", "GBP", "JPY", "SGD", "AUD", "CAD", "CHF")


def _choices(enum) -> tuple[tuple[str, str], ...]:
    return tuple((str(v), str(label)) for v, label in enum.choices)


def opportunity_fields() -> list[Field]:
    return [
        Field("name", _("deal name"), "text", column=True, sortable=True, required=True),
        Field("account", _("account"), "account", column=True, required=True),
        Field("type", _("type"), "reason", editable=False, column=True),
        Field("stage", _("stage"), "reason", editable=False, column=True),
        Field("amount", _("amount"), "money", column=True, sortable=True),
        Field("currency", _("currency"), "choice", tuple((c, c) for c in CURRENCIES)),
        Field("close_date", _("expected close date"), "date", column=True, sortable=True),
        Field("probability", _("win probability (%)"), "percent", editable=False),
        Field("next_step", _("next step"), "text"),
        Field("status", _("status"), "choice", _choices(Status), editable=False, column=True),
        Field("loss_reason", _("loss reason"), "reason", editable=False),
        Field("source", _("source"), "choice", _choices(Source)),
        Field("referred_by", _("referred by"), "account"),
        Field("closed_at", _("closed"), "datetime", editable=False, sortable=True),
        OWNER,
        CREATED,
        UPDATED,
    ]
