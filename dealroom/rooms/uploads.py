"""Checking a file before a sales room stores it.

Guests upload too, and what is stored is later opened by the other side, so a file is
judged by its bytes, not by its name or the browser's Content-Type: an allow-list of
extensions, content that must belong to the extension's family, programs and markup refused
whatever they are called, and images re-encoded so camera metadata (GPS position, device,
XMP) never leaves the uploader's machine. Stored names are generated; the user's name is
kept only as a label.
"""

from __future__ import annotations

import contextlib
import io
import re
import struct
import unicodedata
import uuid
import warnings
import zipfile
import zlib
from dataclasses import dataclass

import filetype
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from dealroom.core.errors import Invalid

MAX_PIXELS = 50_000_000  # per frame; decoding is ~4 bytes a pixel, so this caps memory
MAX_FRAME_PIXELS = 4 * MAX_PIXELS  # all frames of an animation together
MAX_NAME = 150
_SNIFF = 1024  # what browsers look at when they guess a type; where polyglots put markup

# Refused by name with a message saying why (everything not in _ALLOWED is refused anyway).
BLOCKED = frozenset(
    {
        *("exe", "dll", "msi", "msp", "bat", "cmd", "com", "scr", "pif", "cpl", "ps1", "psm1"),
        *("vbs", "vbe", "js", "jse", "mjs", "wsf", "wsh", "hta", "sh", "bash", "zsh", "csh"),
        *("ksh", "jar", "apk", "app", "dmg", "pkg", "deb", "rpm", "run", "bin", "elf", "so"),
        *("dylib", "reg", "lnk", "inf", "gadget", "msc", "html", "htm", "xhtml", "shtml", "svg"),
        *("svgz", "xml", "xsl", "php", "phtml", "phar", "py", "pl", "rb", "cgi", "asp", "aspx"),
        *("jsp", "swf"),
    }
)

# extension -> (kind, content type when not taken from the detected format)
_ALLOWED: dict[str, tuple[str, str]] = {
    "jpg": ("image", "image/jpeg"),
    "jpeg": ("image", "image/jpeg"),
    "png": ("image", "image/png"),
    "gif": ("image", "image/gif"),
    "webp": ("image", "image/webp"),
    "pdf": ("pdf", "application/pdf"),
    "mp4": ("video", "video/mp4"),
    "m4v": ("video", "video/x-m4v"),
    "mov": ("video", "video/quicktime"),
    "webm": ("video", "video/webm"),
    "mp3": ("audio", "audio/mpeg"),
    "m4a": ("audio", "audio/mp4"),
    "wav": ("audio", "audio/wav"),
    "doc": ("document", "application/msword"),
    "xls": ("document", "application/vnd.ms-excel"),
    "ppt": ("document", "application/vnd.ms-powerpoint"),
    "docx": (
        "document",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xlsx": ("document", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": (
        "document",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    "odt": ("document", "application/vnd.oasis.opendocument.text"),
    "ods": ("document", "application/vnd.oasis.opendocument.spreadsheet"),
    "odp": ("document", "application/vnd.oasis.opendocument.presentation"),
    "key": ("document", "application/vnd.apple.keynote"),
    "pages": ("document", "application/vnd.apple.pages"),
    "numbers": ("document", "application/vnd.apple.numbers"),
    "zip": ("archive", "application/zip"),
    "txt": ("text", "text/plain; charset=utf-8"),
    "csv": ("text", "text/csv; charset=utf-8"),
    "md": ("text", "text/markdown; charset=utf-8"),
}

# What `filetype` may call the content of each media extension. ISO-BMFF files (mp4, mov,
# m4v, m4a) share a container and are labelled by brand, so the family is what must match.
_VIDEO = {"mp4", "m4v", "mov"}
_DETECTED = {
    **dict.fromkeys(["jpg", "jpeg", "png", "gif", "webp"], {"jpg", "png", "apng", "gif", "webp"}),
    "pdf": {"pdf"},
    **dict.fromkeys(["mp4", "m4v", "mov"], _VIDEO),
    "webm": {"webm"},
    "mp3": {"mp3"},
    "m4a": {"m4a", "mp4"},
    "wav": {"wav"},
}
# Detected image type -> (Pillow format, stored extension, content type).
_IMAGE_FORMATS = {
    "jpg": ("JPEG", "jpg", "image/jpeg"),
    "png": ("PNG", "png", "image/png"),
    "apng": ("PNG", "png", "image/png"),
    "gif": ("GIF", "gif", "image/gif"),
    "webp": ("WEBP", "webp", "image/webp"),
}
_MEDIA_TYPES = {"mov": "video/quicktime", "m4v": "video/x-m4v", "mp4": "video/mp4"}

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OOXML = {"docx", "xlsx", "pptx"}
_ODF = {"odt": "text", "ods": "spreadsheet", "odp": "presentation"}
_EXECUTABLE_MAGIC = (
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",  # Mach-O 32
    b"\xfe\xed\xfa\xcf",  # Mach-O 64
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # Mach-O universal / Java class
    b"dex\n",  # Android
    b"#!/",  # script with an interpreter line
    b"#! /",
)
_MARKUP = re.compile(rb"<\s*(?:script|html|svg|iframe|object|embed|!doctype\s+html)\b|<\?php")
# Image `info` entries that describe how to draw the pixels; everything else is metadata.
_DRAWING_INFO = ("transparency", "background", "icc_profile")
_KEEP_INFO = {*_DRAWING_INFO, "duration", "loop"}
_UNSAFE_NAME_CHARS = re.compile(r'[<>:"|?*]')


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    original_name: str
    extension: str
    content_type: str
    kind: str  # "image" | "pdf" | "video" | "audio" | "document" | "archive" | "text"
    size: int

    @property
    def inline(self) -> bool:
        """Shown in the page (img, pdf viewer, video player); everything else is offered as a
        download with Content-Disposition: attachment."""
        return self.kind in {"image", "pdf", "video"}

    def storage_name(self, prefix: str) -> str:
        """A generated name: the user's name never reaches the file system or a URL."""
        return f"{prefix}/{uuid.uuid4().hex}.{self.extension}"


def check_upload(uploaded: UploadedFile, *, max_bytes: int) -> CheckedFile:
    """Read, check and (for images) clean an uploaded file, or raise Invalid naming the
    problem under the "file" field."""
    name = clean_name(uploaded.name or "")
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    if extension in BLOCKED:
        raise _invalid(
            _("Programs, scripts and web pages (.%(ext)s) cannot be uploaded."), extension
        )
    if extension not in _ALLOWED:
        if not extension:
            raise _invalid(_("The file name has no extension, so its type cannot be checked."))
        raise _invalid(_("Files of type .%(ext)s cannot be uploaded here."), extension)

    content = _read_limited(uploaded, max_bytes)
    if not content:
        raise _invalid(_("The file is empty."))
    if _looks_executable(content):
        raise _invalid(_("The file contains a program or a web page and cannot be uploaded."))

    kind, content_type = _ALLOWED[extension]
    if kind == "image":
        content, extension, content_type = _clean_image(content, extension)
    elif kind == "text":
        content = _utf8_text(content, extension)
    else:
        content_type = _check_family(content, extension, content_type)
        if kind == "pdf" and pdf_has_actions(content):
            kind = "document"  # only ever a download: never opened in the room's own pages
    return CheckedFile(
        content=content,
        original_name=name,
        extension=extension,
        content_type=content_type,
        kind=kind,
        size=len(content),
    )


def clean_name(name: str) -> str:
    """The user's file name as a harmless label: basename only, no control or bidi
    characters (`invoice\u202efdp.exe` tricks), no characters that are unsafe in headers or
    on Windows, at most MAX_NAME characters with the extension kept."""
    base = re.split(r"[/\\]", unicodedata.normalize("NFC", name))[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = " ".join(_UNSAFE_NAME_CHARS.sub("_", base).split()).strip(" .")
    if len(base) > MAX_NAME:
        stem, dot, ext = base.rpartition(".")
        if dot and len(ext) <= 10:
            base = f"{stem[: MAX_NAME - len(ext) - 1].rstrip(' .')}.{ext}"
        else:
            base = base[:MAX_NAME]
    return base


def _invalid(message: str, extension: str = "") -> Invalid:
    if extension:
        message = message % {"ext": extension}
    return Invalid(message, fields={"file": message})


def _read_limited(uploaded: UploadedFile, max_bytes: int) -> bytes:
    """At most max_bytes + 1 bytes are read: one byte over the limit is proof enough, and a
    client lying about the size cannot make us buffer the rest."""
    declared = getattr(uploaded, "size", None)
    if isinstance(declared, int) and declared > max_bytes:
        raise _too_large(max_bytes)
    with contextlib.suppress(AttributeError, OSError, ValueError):
        uploaded.seek(0)  # a form may have peeked at it already
    buffer = bytearray()
    while len(buffer) <= max_bytes:
        piece = uploaded.read(max_bytes + 1 - len(buffer))
        if not piece:
            break
        buffer += piece
    if len(buffer) > max_bytes:
        raise _too_large(max_bytes)
    return bytes(buffer)


def _too_large(max_bytes: int) -> Invalid:
    megabytes = f"{max_bytes / (1024 * 1024):.1f}".removesuffix(".0")
    message = _("The file is larger than %(limit)s MB.") % {"limit": megabytes}
    return Invalid(message, fields={"file": message})


def _looks_executable(content: bytes) -> bool:
    """Programs and markup browsers would run, whatever the extension says. Checked on the
    head of every file: a PE/ELF/Mach-O header, an interpreter line, or HTML/SVG/script tags
    where a content sniffer would find them. Our own magic list, not `filetype`: its EXE
    and SWF matchers fire on any text starting with "MZ" or "FWS"."""
    if content.startswith(_EXECUTABLE_MAGIC) or _is_pe(content):
        return True
    head = content[:_SNIFF].lower()
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 markup is still markup
        head = head.decode("utf-16", "ignore").encode("utf-8", "ignore")
    return _MARKUP.search(head) is not None


def _is_pe(content: bytes) -> bool:
    """`MZ` plus a `PE\\0\\0` signature where the DOS header points: checking the signature
    too keeps a CSV whose first cell is "MZ" (Mozambique) acceptable."""
    if not content.startswith(b"MZ") or len(content) < 0x40:
        return False
    offset = int.from_bytes(content[0x3C:0x40], "little")
    return content[offset : offset + 4] == b"PE\0\0"


def _mismatch(extension: str) -> Invalid:
    return _invalid(_("The file's content does not match its .%(ext)s extension."), extension)


def _check_family(content: bytes, extension: str, content_type: str) -> str:
    """The content must be what the extension promises; returns the content type to serve."""
    if extension in _DETECTED:
        guess = filetype.guess(content[:8192])
        if guess is None or guess.extension not in _DETECTED[extension]:
            raise _mismatch(extension)
        if extension in _VIDEO:
            return _MEDIA_TYPES[guess.extension]
        return content_type
    if extension in {"doc", "xls", "ppt"}:
        if not content.startswith(_OLE2):
            raise _mismatch(extension)
        return content_type
    if not _zip_ok(content, extension):
        raise _mismatch(extension)
    return content_type


# What makes a PDF act by itself when a viewer opens it: a script (document-level, an action, a
# form field's calculation), actions on events (/AA: a page shown, a field left), or an
# /OpenAction that does more than show a page of the document (LaTeX's hyperref opens at the
# first page with a GoTo). Names are whole tokens, #xx escapes decoded: `/AAPL:Keywords`
# (macOS metadata) is not /AA, `/J#53` is /JS.
_WS = rb"[\x00\t\n\x0c\r ]"
_PDF_SCRIPTS = {b"JavaScript", b"JS", b"AA"}
_PDF_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]*)")
_PDF_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STREAM = re.compile(rb"stream\r?\n")  # not `endstream`: see _next_stream
_PDF_OBJECT = re.compile(rb"(\d+)" + _WS + rb"+\d+" + _WS + rb"+obj\b")
_PDF_OBJECT_ENDS = re.compile(rb"\d+" + _WS + rb"+\d+" + _WS + rb"+obj$")
_PDF_VALUE = re.compile(
    _WS + rb"*(?:(?P<ref>\d+)" + _WS + rb"+\d+" + _WS + rb"+R|(?P<dict><<)|[\[(/<])"
)
_PDF_INTEGER = re.compile(_WS + rb"*(\d+)")
_PDF_INFLATE_LIMIT = 64 * 1024 * 1024  # bytes of compressed objects read, all streams together


def pdf_has_actions(content: bytes) -> bool:
    """Whether a PDF would run a script or an action by itself. Read as syntax: the objects'
    names, also of the objects kept compressed in object streams (where producers, and
    attackers, put them); the bytes of other streams (pages, images, fonts) are skipped, or
    their compressed bytes would now and then spell `/JS `. What cannot be read (an object
    stream in another encoding, damaged or encrypted, too large; an /OpenAction pointing at
    nothing) counts as acting: such a PDF is a download, never opened in our pages."""
    return _PdfScan().acts(content)


def _next_stream(content: bytes, position: int) -> re.Match[bytes] | None:
    found = _PDF_STREAM.search(content, position)
    while found and content[found.start() - 1 : found.start()].isalpha():  # endstream
        found = _PDF_STREAM.search(content, found.end())
    return found


def _not_stream(content: bytes, start: int, end: int) -> bool:
    """Whether what lies between `stream` and `endstream` holds objects (`n 0 obj`,
    `endobj`) or a trailer, put there to be skipped as a stream's bytes: compressed bytes
    hardly ever spell them."""
    if content.find(b"trailer", start, end) >= 0:
        return True
    at = content.find(b"obj", start, end)
    while at >= 0:
        if content[at - 3 : at] == b"end" or _PDF_OBJECT_ENDS.search(
            content, max(start, at - 40), at + 3
        ):
            return True
        at = content.find(b"obj", at + 3, end)
    return False


def _pdf_name(raw: bytes) -> bytes:
    return _PDF_ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), raw) if b"#" in raw else raw


class _PdfScan:
    def __init__(self) -> None:
        self.budget = _PDF_INFLATE_LIMIT
        # Where the values of objects (by number) and of /OpenAction keys start.
        self.objects: dict[int, list[tuple[bytes, int]]] = {}
        self.on_open: list[tuple[bytes, int]] = []

    def acts(self, content: bytes) -> bool:
        position = 0
        while True:
            stream = _next_stream(content, position)
            names = self.names(content, position, stream.start() if stream else len(content))
            if names is None:
                return True
            if stream is None:  # all objects known: where does opening go?
                return not all(self.navigates(*value) for value in self.on_open)
            end = content.find(b"endstream", stream.end())
            end = end if end >= 0 else len(content)
            if b"ObjStm" in names and self.object_stream_acts(content, names, stream.end(), end):
                return True
            if _not_stream(content, stream.end(), end):
                position = stream.end()  # read it as syntax too
                continue
            position = end

    def names(self, syntax: bytes, start: int, end: int) -> dict[bytes, int] | None:
        """The names in syntax[start:end], each with where its value starts (the last one's
        when repeated); None when one makes the PDF act by itself."""
        for found in _PDF_OBJECT.finditer(syntax, start, end):
            self.objects.setdefault(int(found[1]), []).append((syntax, found.end()))
        names = {}
        for found in _PDF_NAME.finditer(syntax, start, end):
            name = _pdf_name(found[1])
            if name in _PDF_SCRIPTS:
                return None
            if name == b"OpenAction":
                self.on_open.append((syntax, found.end()))
            names[name] = found.end()
        return names

    def object_stream_acts(
        self, content: bytes, names: dict[bytes, int], start: int, end: int
    ) -> bool:
        """Reads the objects compressed in an object stream like the file's own."""
        data = content[start:end]
        if b"DecodeParms" in names:  # a predictor would scramble what we read
            return True
        if b"Filter" in names:
            inflater = zlib.decompressobj()
            try:
                data = inflater.decompress(data, self.budget)
            except zlib.error:
                return True
            self.budget -= len(data)
            if inflater.unconsumed_tail or self.budget <= 0:
                return True
        first = _PDF_INTEGER.match(content, names[b"First"]) if b"First" in names else None
        if first is not None:  # the header: pairs of object number and offset after /First
            header = data[: int(first[1])].split()
            for number, offset in zip(header[0::2], header[1::2], strict=False):
                if number.isdigit() and offset.isdigit():
                    place = (data, int(first[1]) + int(offset))
                    self.objects.setdefault(int(number), []).append(place)
        return self.names(data, 0, len(data)) is None

    def navigates(self, syntax: bytes, at: int, depth: int = 0) -> bool:
        """Whether the value at `at` only shows a place in this document: a destination (an
        array, a name, a string) or a GoTo action with nothing after it (/Next)."""
        value = _PDF_VALUE.match(syntax, at)
        if value is None:
            return False
        if value["ref"]:  # all definitions of it: an update to the file may redefine it
            places = self.objects.get(int(value["ref"]), [])
            return depth < 3 and bool(places) and all(self.navigates(*p, depth + 1) for p in places)
        if value["dict"]:
            end = syntax.find(b">>", value.end())
            inside = [
                _pdf_name(n[1])
                for n in _PDF_NAME.finditer(syntax, value.end(), end if end >= 0 else len(syntax))
            ]
            go_to = any(pair == (b"S", b"GoTo") for pair in zip(inside, inside[1:], strict=False))
            return go_to and b"Next" not in inside
        return True


def _zip_ok(content: bytes, extension: str) -> bool:
    """OOXML is a zip with `[Content_Types].xml`; OpenDocument a zip whose `mimetype` entry
    names its kind; iWork and plain zip only need to be readable zips (iWork's inner layout
    changed between versions). Only the directory and one tiny entry are read: no unpacking,
    so zip bombs cost nothing."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            if extension in _OOXML:
                return "[Content_Types].xml" in names
            if extension in _ODF:
                info = archive.getinfo("mimetype") if "mimetype" in names else None
                if info is None or info.file_size > 100:
                    return False
                expected = f"application/vnd.oasis.opendocument.{_ODF[extension]}"
                return archive.read(info).decode("ascii", "replace").strip() == expected
            return True
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return False


def _utf8_text(content: bytes, extension: str) -> bytes:
    """Text must be text: no NUL bytes, and UTF-8 or GB18030 (what Chinese Windows writes).
    GB18030 is converted to UTF-8 so every stored text file is served as UTF-8."""
    if b"\0" in content:
        raise _mismatch(extension)
    try:
        content.decode("utf-8")
        return content
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030").encode("utf-8")
    except UnicodeDecodeError:
        raise _mismatch(extension) from None


def _clean_image(content: bytes, extension: str) -> tuple[bytes, str, str]:
    """Decode and re-encode in the detected format: the pixels survive, metadata does not.

    The pixel limit is checked on the declared size before any pixel is decoded. Pillow's
    own global MAX_IMAGE_PIXELS is left alone (other threads share it); its bomb warning is
    turned into an error only inside this block."""
    guess = filetype.guess(content[:8192])
    if guess is None or guess.extension not in _IMAGE_FORMATS:
        raise _mismatch(extension)
    pil_format, stored_extension, content_type = _IMAGE_FORMATS[guess.extension]
    too_large = _("The image is too large to process.")
    try:
        with (
            warnings.catch_warnings(action="error", category=Image.DecompressionBombWarning),
            Image.open(io.BytesIO(content), formats=[pil_format]) as image,
        ):
            frames = getattr(image, "n_frames", 1)
            width, height = image.size
            if width * height > MAX_PIXELS or width * height * frames > MAX_FRAME_PIXELS:
                raise Invalid(too_large, fields={"file": too_large})
            output = _reencode(image, pil_format, frames)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Invalid(too_large, fields={"file": too_large}) from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error):
        message = _("The image is damaged or incomplete and cannot be used.")
        raise Invalid(message, fields={"file": message}) from None
    return output, stored_extension, content_type


def _reencode(image: Image.Image, pil_format: str, frames: int) -> bytes:
    """Save pixels only. Pillow carries `info` (EXIF, XMP, comments, text chunks) into a
    save, so only the keys needed to draw the image are kept. The ICC profile stays: it is
    colour data (Display P3 photos look wrong without it), not personal data."""
    out = io.BytesIO()
    if frames > 1:  # animated GIF/WebP/APNG: keep the animation; these carry no orientation
        _strip_info(image)
        image.save(out, format=pil_format, save_all=True, **_save_options(pil_format))
        return out.getvalue()
    image.load()
    upright = ImageOps.exif_transpose(image)
    _strip_info(upright)
    options = _save_options(pil_format)
    # Some encoders (JPEG) read these only from the save call, not from `info`.
    options.update({k: upright.info[k] for k in _DRAWING_INFO if k in upright.info})
    upright.save(out, format=pil_format, **options)
    return out.getvalue()


def _strip_info(image: Image.Image) -> None:
    for key in list(image.info):
        if key not in _KEEP_INFO:
            del image.info[key]


def _save_options(pil_format: str) -> dict[str, object]:
    if pil_format in {"JPEG", "WEBP"}:
        return {"quality": 90}
    return {}
