"""All writes to customer data. Callers import from here."""

from .config import (
    custom_field_create,
    custom_field_update,
    customer_settings_update,
    disqualify_reason_create,
    disqualify_reason_set_active,
    field_permission_set,
    saved_view_delete,
    saved_view_save,
)
from .leads import (
    lead_claim,
    lead_convert,
    lead_disqualify,
    lead_release,
    lead_return_stale,
    lead_status_set,
)
from .records import (
    account_contact_link,
    account_contact_unlink,
    collaborator_remove,
    collaborator_set,
    note_add,
    record_archive,
    record_create,
    record_delete,
    record_owner_change,
    record_update,
)

__all__ = [
    "account_contact_link",
    "account_contact_unlink",
    "collaborator_remove",
    "collaborator_set",
    "custom_field_create",
    "custom_field_update",
    "customer_settings_update",
    "disqualify_reason_create",
    "disqualify_reason_set_active",
    "field_permission_set",
    "lead_claim",
    "lead_convert",
    "lead_disqualify",
    "lead_release",
    "lead_return_stale",
    "lead_status_set",
    "note_add",
    "record_archive",
    "record_create",
    "record_delete",
    "record_owner_change",
    "record_update",
    "saved_view_delete",
    "saved_view_save",
]
