"""Pages for accounts, contacts and leads. One set of views serves all three objects (the
URL names the object type); views parse input, call services, render; nothing else."""

from .leads import lead_claim, lead_convert, lead_disqualify, lead_release, lead_status
from .lists import record_export, record_list, saved_view_delete, saved_view_save
from .records import (
    account_contact_link,
    account_contact_unlink,
    collaborator_remove,
    collaborator_set,
    note_add,
    pick,
    record_archive,
    record_create,
    record_delete,
    record_detail,
    record_edit,
    record_owner,
    timeline_more,
)
from .search import global_search

__all__ = [
    "account_contact_link",
    "account_contact_unlink",
    "collaborator_remove",
    "collaborator_set",
    "global_search",
    "lead_claim",
    "lead_convert",
    "lead_disqualify",
    "lead_release",
    "lead_status",
    "note_add",
    "pick",
    "record_archive",
    "record_create",
    "record_delete",
    "record_detail",
    "record_edit",
    "record_export",
    "record_list",
    "record_owner",
    "saved_view_delete",
    "saved_view_save",
    "timeline_more",
]
