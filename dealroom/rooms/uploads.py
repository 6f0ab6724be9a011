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
