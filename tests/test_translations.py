"""The Simplified-Chinese catalogue is complete: every string the code and the templates mark
for translation is in locale/zh_Hans/LC_MESSAGES/django.po, with a usable translation.

No database and no gettext tools: the .po file is parsed here, templates go through Django's own
`templatize` (what makemessages feeds to xgettext) and Python files through `ast`.
When a test here fails after you added a string, run

    .venv/bin/dealroom makemessages -l zh_Hans --ignore=.venv --ignore=node_modules \
        --ignore=static --ignore=var --no-obsolete

translate the new entries in the .po file (and drop any "#, fuzzy"), then compilemessages.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
from django.utils.translation import templatize

ROOT = Path(__file__).resolve().parent.parent
PO_FILE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
PYTHON_DIRS = [ROOT / "config", ROOT / "dealroom"]
SKIP_DIRS = {"__pycache__", "node_modules", ".venv", "static", "var"}

# Placeholders as Python's %-formatting sees them; "%%" is a literal percent sign.
DIRECTIVE_RE = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?P<conv>[diouxXeEfFgGcrsa%])"
)


# -- the .po file ------------------------------------------------------------------------------


@dataclass
class Entry:
    line: int
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    def __str__(self) -> str:
        ctx = f" (context {self.msgctxt!r})" if self.msgctxt is not None else ""
        return f"line {self.line}: {self.msgid!r}{ctx}"


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b"}


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), f"not a PO string: {text}"
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


@cache
def parse_po(path: Path = PO_FILE) -> tuple[Entry, ...]:
    """A small PO reader: msgctxt, msgid, msgid_plural, msgstr / msgstr[n], flags, continuation
    lines. Obsolete entries ("#~") are skipped."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None  # which field continuation lines extend
    pending_flags: set[str] = set()

    def finish():
        nonlocal current
        if current is not None:
            entries.append(current)
        current = None

    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            target = None
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            if current is not None and target is not None and target[0] == "msgstr":
                finish()
            pending_flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
            continue
        if line.startswith("#"):
            if current is not None and target is not None and target[0] == "msgstr":
                finish()
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            assert current is not None and target is not None, f"{path}:{lineno}: stray string"
            name, index = target
            if name == "msgstr":
                current.msgstr[index] += _unquote(line)
            elif name == "msgid_plural":
                current.msgid_plural = (current.msgid_plural or "") + _unquote(line)
            else:
                setattr(current, name, getattr(current, name) + _unquote(line))
            continue
        if keyword in ("msgctxt", "msgid") and (
            current is None or (target is not None and target[0] == "msgstr")
        ):
            finish()
            current = Entry(line=lineno, flags=pending_flags)
            pending_flags = set()
        assert current is not None, f"{path}:{lineno}: unexpected {keyword}"
        match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if keyword == "msgctxt":
            current.msgctxt, target = _unquote(rest), ("msgctxt", 0)
        elif keyword == "msgid":
            current.msgid, target = _unquote(rest), ("msgid", 0)
        elif keyword == "msgid_plural":
            current.msgid_plural, target = _unquote(rest), ("msgid_plural", 0)
        elif keyword == "msgstr" or match:
            index = int(match.group(1)) if match else 0
            current.msgstr[index] = _unquote(rest)
            target = ("msgstr", index)
        else:
            raise AssertionError(f"{path}:{lineno}: cannot read {raw!r}")
    finish()
    return tuple(entries)


def header() -> tuple[Entry, dict[str, str]]:
    first = parse_po()[0]
    assert first.msgid == "" and first.msgctxt is None, "the .po file has no header entry"
    fields = {}
    for line in first.msgstr.get(0, "").splitlines():
        name, _, value = line.partition(":")
        fields[name.strip()] = value.strip()
    return first, fields


def messages() -> list[Entry]:
    return [e for e in parse_po() if e.msgid != "" or e.msgctxt is not None]


def nplurals() -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", header()[1].get("Plural-Forms", ""))
    assert match, "the header has no Plural-Forms"
    return int(match.group(1))


def directives(text: str) -> tuple[set[str], list[str]]:
    """Named placeholders and the sequence of unnamed ones (like %s, %d) in a format string."""
    named, positional = set(), []
    for m in DIRECTIVE_RE.finditer(text):
        if m.group("conv") == "%":
            continue
        if m.group("name") is not None:
            named.add(m.group("name"))
        else:
            positional.append(m.group("conv"))
    return named, positional


# -- the sources -------------------------------------------------------------------------------

# Functions xgettext is told about by makemessages, with the positions of (context, msgid,
# plural) among their arguments.
GETTEXT_FUNCTIONS: dict[str, tuple[int | None, int, int | None]] = {
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}


@dataclass(frozen=True)
class Found:
    where: str
    msgctxt: str | None
    msgid: str
    msgid_plural: str | None = None

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)


def _walk(base: Path, suffixes: tuple[str, ...]):
    for path in sorted(base.rglob("*")):
        rel = path.relative_to(ROOT).parts
        if path.suffix in suffixes and path.is_file() and not SKIP_DIRS.intersection(rel):
            yield path


def template_files() -> list[Path]:
    dirs = [ROOT / "templates", *sorted((ROOT / "dealroom").glob("*/templates"))]
    return [p for d in dirs for p in _walk(d, (".html", ".txt"))]


# templatize() turns every translation tag into one gettext(...)-style call on one line, with
# Python string literals (repr) as arguments; everything else becomes runs of letters.
_CALL_RE = re.compile(r"(?<![\w.])(npgettext|ngettext|pgettext|gettext|_)\(")
_LITERAL_RE = re.compile(r"""\s*u?('(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")\s*(,|\))""")


def strings_in_template(path: Path) -> list[Found]:
    out = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    found = []
    for lineno, line in enumerate(out.splitlines(), start=1):
        for call in _CALL_RE.finditer(line):
            args, pos = [], call.end()
            while m := _LITERAL_RE.match(line, pos):
                args.append(ast.literal_eval(m.group(1)))
                pos = m.end()
                if m.group(2) == ")":
                    break
            if not args:
                continue
            ctx_at, id_at, plural_at = GETTEXT_FUNCTIONS[call.group(1)]
            if len(args) <= max(i for i in (ctx_at, id_at, plural_at) if i is not None):
                continue
            found.append(
                Found(
                    where=f"{path.relative_to(ROOT)}:{lineno}",
                    msgctxt=args[ctx_at] if ctx_at is not None else None,
                    msgid=args[id_at],
                    msgid_plural=args[plural_at] if plural_at is not None else None,
                )
            )
    return found


def python_files() -> list[Path]:
    return [p for d in PYTHON_DIRS for p in _walk(d, (".py",))]


def _aliases(tree: ast.AST) -> dict[str, str]:
    """Local names bound to django.utils.translation functions (e.g. `gettext_lazy as _`)."""
    names = {name: name for name in GETTEXT_FUNCTIONS}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
            for alias in node.names:
                if alias.name in GETTEXT_FUNCTIONS:
                    names[alias.asname or alias.name] = alias.name
    return names


def _function(node: ast.Call, aliases: dict[str, str]) -> tuple[str, str] | None:
    """(name as written, gettext function) when the call is a translation call."""
    func = node.func
    if isinstance(func, ast.Name) and func.id in aliases:
        return func.id, aliases[func.id]
    if isinstance(func, ast.Attribute) and func.attr in GETTEXT_FUNCTIONS and func.attr != "_":
        return func.attr, func.attr
    return None


def scan_python(path: Path) -> tuple[list[Found], list[str]]:
    """Literal strings in translation calls, and calls that can never be translated
    (an f-string, a %-formatted or .format()-ed string as the message)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    aliases = _aliases(tree)
    found, broken = [], []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        names = _function(node, aliases)
        if names is None:
            continue
        written, function = names
        ctx_at, id_at, plural_at = GETTEXT_FUNCTIONS[function]
        where = f"{path.relative_to(ROOT)}:{node.lineno}"
        if len(node.args) <= id_at:
            continue
        message = node.args[id_at]
        if isinstance(message, ast.JoinedStr) or (
            isinstance(message, ast.BinOp) and isinstance(message.op, ast.Mod | ast.Add)
        ):
            broken.append(f"{where}: {written}({ast.unparse(message)}) builds the text first")
            continue
        if (
            isinstance(message, ast.Call)
            and isinstance(message.func, ast.Attribute)
            and message.func.attr == "format"
        ):
            broken.append(f"{where}: {written}({ast.unparse(message)}) builds the text first")
            continue

        def literal(index: int | None) -> str | None:
            if index is None or len(node.args) <= index:
                return None
            arg = node.args[index]
            return (
                arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None
            )

        msgid = literal(id_at)
        if msgid is None:
            continue  # a variable: translated from a string marked elsewhere
        if written not in GETTEXT_FUNCTIONS:
            broken.append(
                f"{where}: {written}() is an alias makemessages does not know; "
                f"import {function} as _ or under its own name"
            )
        found.append(
            Found(
                where=where, msgctxt=literal(ctx_at), msgid=msgid, msgid_plural=literal(plural_at)
            )
        )
    return found, broken


# -- tests -------------------------------------------------------------------------------------


def test_catalogue_exists_and_is_the_only_one():
    assert PO_FILE.is_file(), f"{PO_FILE.relative_to(ROOT)} is missing: run makemessages"
    others = [
        str(p.relative_to(ROOT))
        for d in [*PYTHON_DIRS, ROOT / "locale", ROOT / "templates"]
        for p in _walk(d, (".po",))
        if p != PO_FILE and "zh" in str(p).lower()
    ]
    assert not others, f"Chinese strings must all live in {PO_FILE.relative_to(ROOT)}: {others}"


def test_header_declares_simplified_chinese():
    entry, fields = header()
    assert "fuzzy" not in entry.flags, "the header is still marked fuzzy"
    assert fields.get("Language") == "zh_Hans", fields.get("Language")
    assert "charset=UTF-8" in fields.get("Content-Type", ""), fields.get("Content-Type")
    assert re.sub(r"\s", "", fields.get("Plural-Forms", "")) == "nplurals=1;plural=0;", fields.get(
        "Plural-Forms"
    )


def test_every_entry_is_translated_and_not_fuzzy():
    forms = nplurals()
    problems = []
    for e in messages():
        if "fuzzy" in e.flags:
            problems.append(f"fuzzy: {e}")
        expected = list(range(forms)) if e.msgid_plural is not None else [0]
        if sorted(e.msgstr) != expected:
            problems.append(f"has msgstr forms {sorted(e.msgstr)}, expected {expected}: {e}")
        if any(not e.msgstr.get(i, "").strip() for i in expected):
            problems.append(f"untranslated: {e}")
    assert not problems, f"{len(problems)} problem(s) in {PO_FILE.name}:\n" + "\n".join(problems)


def test_placeholders_survive_translation():
    problems = []
    for e in messages():
        sources = [e.msgid] if e.msgid_plural is None else [e.msgid, e.msgid_plural]
        # With one plural form, msgstr[0] also serves n != 1: it needs the plural's placeholders.
        needed, positional = directives(sources[-1])
        allowed = set().union(*(directives(s)[0] for s in sources))
        formatted = "python-format" in e.flags or needed or positional
        for index, text in sorted(e.msgstr.items()):
            if not text:
                continue  # reported by the test above
            named, unnamed = directives(text)
            if missing := needed - named:
                problems.append(f"msgstr[{index}] lacks %({', '.join(sorted(missing))})s: {e}")
            if extra := named - allowed:
                problems.append(f"msgstr[{index}] has unknown %({', '.join(sorted(extra))})s: {e}")
            if formatted and unnamed != positional:
                problems.append(f"msgstr[{index}] has {unnamed}, msgid has {positional}: {e}")
            if formatted and "%" in DIRECTIVE_RE.sub("", text):
                problems.append(f"msgstr[{index}] has a lone '%' (write '%%'): {e}")
    assert not problems, "\n".join(problems)


def _not_in_catalogue(found: list[Found]) -> list[str]:
    catalogue = {e.key: e for e in messages()}
    missing = []
    for f in found:
        entry = catalogue.get(f.key)
        ctx = f" (context {f.msgctxt!r})" if f.msgctxt is not None else ""
        if entry is None:
            missing.append(f"{f.where}: {f.msgid!r}{ctx}")
        elif f.msgid_plural is not None and entry.msgid_plural != f.msgid_plural:
            missing.append(f"{f.where}: plural {f.msgid_plural!r}{ctx}")
    return missing


def _report(kind: str, missing: list[str], broken: list[str] | None = None) -> str:
    parts = []
    if missing:
        parts.append(
            f"{len(missing)} {kind} string(s) are not in {PO_FILE.relative_to(ROOT)} "
            "(run makemessages, then translate them):\n" + "\n".join(missing)
        )
    if broken:
        parts.append("translation calls that can never be translated:\n" + "\n".join(broken))
    return "\n".join(parts)


def test_template_strings_are_in_the_catalogue():
    files = template_files()
    assert files, "no templates found"
    found = [f for path in files for f in strings_in_template(path)]
    assert any(f.msgid == "Log in to your account" for f in found), "template scan found nothing"
    missing = _not_in_catalogue(found)
    assert not missing, _report("template", missing)


def test_python_strings_are_in_the_catalogue():
    found, broken = [], []
    for path in python_files():
        try:
            strings, bad = scan_python(path)
        except SyntaxError as e:  # someone is mid-edit; the linters will say so
            pytest.fail(f"cannot parse {path.relative_to(ROOT)}: {e}")
        found += strings
        broken += bad
    assert any(
        f.msgid == "Too many attempts. Please wait a few minutes and try again." for f in found
    ), "Python scan found nothing"
    missing = _not_in_catalogue(found)
    assert not (missing or broken), _report("Python", missing, broken)
