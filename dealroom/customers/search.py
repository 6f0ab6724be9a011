"""Search across accounts, contacts and leads.

Each record is broken into tokens (SearchTerm rows, one per token and source field) when a
service writes it. A query term matches a record when it is the start of one of its tokens,
which the index answers without scanning. What makes the usual cases work:
- Chinese runs are stored with every suffix, so any part of a name is the start of a token
  ("三" finds 张三), and each suffix again as full pinyin and as initials ("zhangsan", "zs").
- Company names lose their legal suffix first (有限公司, Co., Ltd., GmbH …), in the record and
  in the query alike.
- Phones are stored as digits and as reversed digits, so the last 4+ digits find them.
- Tokens remember their field, so a field hidden from a role is also unsearchable for it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat
from pypinyin import Style, lazy_pinyin

from dealroom.core.actors import Actor

from .lookups import AnyOf
from .models import Account, Contact, Lead, ObjectType, SearchTerm
from .visibility import field_rules

MAX_SUFFIX = 12  # suffixes of longer Chinese runs add little and cost rows
MAX_TOKEN = 80
LEGAL_SUFFIXES = [
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "分公司",
    "集团",
    "公司",
    "co., ltd.",
    "co., ltd",
    "co.,ltd.",
    "co.,ltd",
    "co. ltd",
    "company limited",
    "corporation",
    "limited",
    "ltd.",
    "ltd",
    "inc.",
    "inc",
    "corp.",
    "corp",
    "llc",
    "gmbh",
    "plc",
    "s.a.",
    "ag",
    "co.",
]
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[0-9a-z\u00c0-\u024f@._+\-]+")


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text or "").lower().split())


def _is_suffix(name: str, suffix: str) -> bool:
    """Chinese legal forms attach to the name; Latin ones are separate words ("Zinc" does
    not end in "Inc")."""
    if not name.endswith(suffix) or len(name) <= len(suffix):
        return False
    before = name[-len(suffix) - 1]
    return not suffix[0].isascii() or not (before.isascii() and before.isalnum())


def strip_legal_suffix(name: str) -> str:
    name = normalise(name)
    changed = True
    while changed:
        changed = False
        for suffix in LEGAL_SUFFIXES:
            if _is_suffix(name, suffix):
                stripped = name[: -len(suffix)].rstrip(" ,.")
                if stripped:
                    name, changed = stripped, True
                    break
    return name


def _cjk_tokens(run: str) -> set[str]:
    tokens: set[str] = set()
    for i in range(len(run)):
        suffix = run[i : i + MAX_SUFFIX]
        tokens.add(suffix)
        syllables = lazy_pinyin(suffix)
        if syllables:
            tokens.add("".join(syllables))
            initials = "".join(s[0] for s in lazy_pinyin(suffix, style=Style.FIRST_LETTER) if s)
            if len(initials) > 1:
                tokens.add(initials)
    return tokens


def name_tokens(text: str, *, company: bool = False) -> set[str]:
    text = strip_legal_suffix(text) if company else normalise(text)
    tokens: set[str] = set()
    for run in _CJK.findall(text):
        tokens |= _cjk_tokens(run)
    latin = _CJK.sub(" ", text)
    words = [w.strip("._-") for w in _WORD.findall(latin)]
    words = [w for w in words if w]
    tokens.update(words)
    if len(words) > 1:
        tokens.add("".join(words))  # "hong kong" also as "hongkong"
    return tokens


def email_tokens(email: str) -> set[str]:
    email = normalise(email)
    if not email:
        return set()
    local, _, domain = email.partition("@")
    return {email, local, domain} - {""}


def phone_tokens(e164: str) -> set[str]:
    digits = re.sub(r"\D", "", e164 or "")
    if len(digits) < 4:
        return set()
    tokens = {digits, "#" + digits[::-1]}
    for cc_len in (1, 2, 3):  # also the national number, without the country code
        national = digits[cc_len:]
        if len(national) >= 6:
            tokens.add(national)
    return tokens


def handle_tokens(handle: str) -> set[str]:
    handle = normalise(handle)
    return {handle} if handle else set()


def record_tokens(record) -> dict[str, set[str]]:
    """Field name -> tokens for one record."""
    if isinstance(record, Account):
        return {
            "name": name_tokens(record.name, company=record.kind == "company"),
            "legal_name": name_tokens(record.legal_name, company=True),
        }
    if isinstance(record, Contact):
        out = {
            "full_name": name_tokens(record.full_name),
            "phones": set().union(*(phone_tokens(p) for p in record.phones)),
            "emails": set().union(*(email_tokens(e) for e in record.emails)),
        }
        for field in ("wechat_id", "qq", "whatsapp"):
            out[field] = handle_tokens(getattr(record, field))
        return out
    if isinstance(record, Lead):
        return {
            "full_name": name_tokens(record.full_name),
            "company_name": name_tokens(record.company_name, company=True),
            "phone": phone_tokens(record.phone),
            "email": email_tokens(record.email),
            "wechat_id": handle_tokens(record.wechat_id),
        }
    raise TypeError(record)


INDEXED = {Account: "account", Contact: "contact", Lead: "lead"}


def _object_type(record) -> str:
    return INDEXED[type(record)]


def term_rows(record) -> list[SearchTerm]:
    object_type = _object_type(record)
    return [
        SearchTerm(
            workspace_id=record.workspace_id,
            object_type=object_type,
            object_id=record.pk,
            field=field,
            token=token[:MAX_TOKEN],
        )
        for field, tokens in record_tokens(record).items()
        for token in sorted(tokens)
        if token
    ]


@transaction.atomic
def index(record) -> None:
    """Replace a record's tokens; services call this in their transaction. Records of other
    apps (opportunities) are found through their account, not indexed themselves."""
    if type(record) not in INDEXED:
        return
    unindex(record)
    SearchTerm.objects.bulk_create(term_rows(record))


def unindex(record) -> None:
    if type(record) not in INDEXED:
        return
    SearchTerm.objects.filter(object_type=_object_type(record), object_id=record.pk).delete()


# -- querying --------------------------------------------------------------------------------


def query_terms(query: str) -> list[list[str]]:
    """A query becomes terms; each term is a list of alternative prefixes (all must match)."""
    compact = re.sub(r"[\s\-().]", "", normalise(query))
    if re.fullmatch(r"\+?\d{4,}", compact):  # a phone number as people write it
        digits = compact.lstrip("+")
        return [[digits[:MAX_TOKEN], "#" + digits[::-1]]]
    text = strip_legal_suffix(query)
    terms: list[list[str]] = []
    for run in _CJK.findall(text):
        terms.append([run[:MAX_SUFFIX]])
    for word in _WORD.findall(_CJK.sub(" ", text)):
        word = word.strip("._-") if "@" not in word else word
        if not word:
            continue
        alternatives = [word[:MAX_TOKEN]]
        digits = re.sub(r"\D", "", word)
        if digits == word.lstrip("+") and len(digits) >= 4:
            alternatives.append("#" + digits[::-1])  # last digits of a phone
        elif len(word) < 2:
            continue  # one Latin letter matches half the workspace
        terms.append(alternatives)
    return terms


MODELS: dict[str, Any] = {
    ObjectType.ACCOUNT: Account,
    ObjectType.CONTACT: Contact,
    ObjectType.LEAD: Lead,
}
# Results are few; sort them by an expression no index serves, so the planner starts from the
# token index instead of walking the name index and probing tokens row by row (which the
# PostgreSQL planner otherwise picks for "ORDER BY name LIMIT 8": 200+ ms at 200k contacts).
ORDER = {ObjectType.ACCOUNT: "name", ObjectType.CONTACT: "full_name", ObjectType.LEAD: "full_name"}


def matching_ids(*, actor: Actor, object_type: str, terms: list[list[str]]):
    """Record ids (a subquery) whose searchable, visible fields match every term."""
    rules = field_rules(actor, object_type)
    base = SearchTerm.objects.filter(workspace_id=actor.workspace_id, object_type=object_type)
    if rules.hidden:
        base = base.exclude(field__in=list(rules.hidden))
    ids = None
    for alternatives in terms:
        q = base.none()
        for prefix in alternatives:
            q = q | base.filter(token__prefix=prefix)
        term_ids = q.values("object_id")
        ids = term_ids if ids is None else ids.filter(object_id__in=term_ids)
    return ids


# Up to this many matching ids are read first and handed to the record query as a list.
READ_IDS_UP_TO = 20_000


def _candidates(actor: Actor, object_type: str, ids):
    """The visible records among the matching ids (a subquery).

    On PostgreSQL the ids are read first (a few thousand for one common character: ~2 ms from
    the index). Given the exact list, the planner looks the records up by key; given the
    subquery, it guesses the count from the token statistics and on a guess of a few thousand
    hashes the whole contact table instead (one character went from 25 to 90 ms as ANALYZE's
    sample varied). For the same reason visibility comes as sets built once (`listing`),
    which cost the same however many candidates there are. Far more matches than the limit
    are joined in the database. SQLite starts from the token index either way and checks
    each candidate's visibility row by row, half the time of building the sets
    (benchmarks/customers.py)."""
    records = MODELS[object_type].objects
    if connection.vendor != "postgresql":
        return records.visible_to(actor).filter(pk__in=ids)
    found = list(ids.values_list("object_id", flat=True)[: READ_IDS_UP_TO + 1])
    among = Q(pk__in=ids) if len(found) > READ_IDS_UP_TO else Q(AnyOf(F("pk"), sorted(set(found))))
    return records.visible_to(actor, listing=True).filter(among)


def search(*, actor: Actor, query: str, object_types=None, limit: int = 8) -> dict[str, list]:
    """Visible records matching the query, per object type, at most `limit` each."""
    terms = query_terms(query)
    out: dict[str, list] = {}
    if not terms:
        return out
    for object_type in object_types or list(MODELS):
        ids = matching_ids(actor=actor, object_type=object_type, terms=terms)
        qs = _candidates(actor, object_type, ids)
        if object_type == ObjectType.LEAD:
            qs = qs.select_related("owner__user")
        out[str(object_type)] = list(
            qs.filter(archived_at__isnull=True).order_by(
                Concat(ORDER[object_type], Value("")), "pk"
            )[:limit]
        )
    return out
