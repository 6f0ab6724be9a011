"""Upload checks: size, allow-list, content matching the extension, programs and markup
refused whatever their name, images re-encoded without their metadata."""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, PngImagePlugin

from dealroom.core.errors import Invalid
from dealroom.rooms.uploads import CheckedFile, check_upload

MB = 1024 * 1024


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def refused(name: str, content: bytes, *, max_bytes: int = 5 * MB) -> str:
    with pytest.raises(Invalid) as caught:
        check_upload(upload(name, content), max_bytes=max_bytes)
    assert set(caught.value.fields) == {"file"}
    return caught.value.fields["file"]


class CountingUpload:
    """A file-like that records how many bytes were handed out, declaring no size (or a false
    one), as a client streaming a body could."""

    def __init__(self, name: str, size: int | None = None, *, endless: bool = True):
        self.name = name
        self.size = size
        self.bytes_read = 0
        self.endless = endless

    def read(self, n: int = -1) -> bytes:
        assert n is not None and n >= 0, "must not read without a limit"
        self.bytes_read += n
        return b"a" * n

    def chunks(self, chunk_size: int = 64 * 1024):
        while True:
            yield self.read(chunk_size)


def image_bytes(fmt: str, size=(40, 20), **save) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, fmt, **save)
    return buf.getvalue()


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SpyCam"
    exif[ExifTags.Base.Orientation] = 6  # rotated 90° clockwise
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (31.0, 14.0, 0.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (121.0, 28.0, 0.0),
    }
    return exif


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header declares the given size, with almost no pixel data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 100))
        + chunk(b"IEND", b"")
    )


def pe_executable() -> bytes:
    dos = bytearray(b"MZ" + b"\0" * 62)
    dos[0x3C:0x40] = (0x80).to_bytes(4, "little")
    return bytes(dos) + b"\0" * (0x80 - 64) + b"PE\0\0" + b"\x4c\x01" + b"\0" * 200


def docx_bytes(with_content_types: bool = True) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        if with_content_types:
            z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


# --- size -----------------------------------------------------------------------------


def test_empty_file_refused():
    assert refused("notes.txt", b"") == "The file is empty."


def test_too_large_names_the_limit_in_mb():
    assert refused("a.txt", b"a" * (MB + 1), max_bytes=MB) == "The file is larger than 1 MB."
    assert refused("a.txt", b"a" * (3 * MB), max_bytes=5 * MB // 2) == (
        "The file is larger than 2.5 MB."
    )


def test_exactly_the_limit_is_fine():
    assert check_upload(upload("a.txt", b"a" * MB), max_bytes=MB).size == MB


def test_declared_size_over_limit_refused_without_reading():
    stream = CountingUpload("big.txt", size=30 * MB)
    with pytest.raises(Invalid, match="larger than 25 MB"):
        check_upload(stream, max_bytes=25 * MB)  # type: ignore[arg-type]
    assert stream.bytes_read == 0


def test_undeclared_size_reads_at_most_one_byte_over_the_limit():
    stream = CountingUpload("big.txt", size=None)
    with pytest.raises(Invalid, match="larger than 2 MB"):
        check_upload(stream, max_bytes=2 * MB)  # type: ignore[arg-type]
    assert stream.bytes_read == 2 * MB + 1


def test_lying_small_size_does_not_help():
    stream = CountingUpload("big.txt", size=10)
    with pytest.raises(Invalid, match="larger than"):
        check_upload(stream, max_bytes=MB)  # type: ignore[arg-type]
    assert stream.bytes_read == MB + 1


# --- names and the allow-list ------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "setup.exe",
        "a.DLL",
        "x.msi",
        "run.bat",
        "run.cmd",
        "x.com",
        "s.scr",
        "p.ps1",
        "i.sh",
        "app.jar",
        "a.apk",
        "x.app",
        "v.vbs",
        "x.js",
        "page.html",
        "page.htm",
        "logo.svg",
        "p.xhtml",
        "index.php",
        "invoice.pdf.exe",
    ],
)
def test_blocked_extensions(name):
    message = refused(name, b"hello")
    assert "cannot be uploaded" in message
    assert name.rsplit(".", 1)[1].lower() in message


def test_unknown_extension_and_no_extension():
    assert refused("data.bin2", b"x") == "Files of type .bin2 cannot be uploaded here."
    assert "no extension" in refused("README", b"x")


def test_name_is_sanitised_basename():
    checked = check_upload(
        upload('..\\..\\Windows/sys\u202etxt.exe\x00<b>"quote"|.txt', b"hi"), max_bytes=MB
    )
    assert checked.original_name == "systxt.exe_b__quote__.txt"
    assert checked.extension == "txt"


def test_long_name_keeps_extension():
    checked = check_upload(upload("报价" * 100 + ".PDF", b"%PDF-1.7\n%\xe2\xe3\n"), max_bytes=MB)
    assert len(checked.original_name) == 150
    assert checked.original_name.endswith(".PDF")
    assert checked.extension == "pdf"


def test_storage_name_is_generated():
    checked = check_upload(upload("../../etc/passwd.txt", b"root"), max_bytes=MB)
    first, second = checked.storage_name("rooms/7"), checked.storage_name("rooms/7")
    assert re.fullmatch(r"rooms/7/[0-9a-f]{32}\.txt", first)
    assert first != second
    assert "passwd" not in first


# --- content -----------------------------------------------------------------------------


def test_pe_header_renamed_pdf_refused():
    assert "program" in refused("invoice.pdf", pe_executable())


def test_csv_starting_with_mz_is_not_a_program():
    for first_line in (b"MZ,Mozambique", b"FWS,Fund", b"#!important"):
        checked = check_upload(upload("countries.csv", first_line + b"\nCN,1\n"), max_bytes=MB)
        assert checked.kind == "text"


@pytest.mark.parametrize(
    "content",
    [
        b"\x7fELF\x02\x01\x01" + b"\0" * 50,
        b"\xcf\xfa\xed\xfe" + b"\0" * 50,
        b"#!/bin/sh\nrm -rf /\n",
        b"hello <script>alert(1)</script>",
        b"  <HTML><body>x</body></HTML>",
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="x"/>',
        b"<!DOCTYPE html><p>",
    ],
)
def test_programs_and_markup_refused_in_text_files(content):
    assert "program or a web page" in refused("notes.txt", content)


def test_html_polyglot_pdf_refused():
    assert "web page" in refused("doc.pdf", b"%PDF-1.4\n<html><script>x</script>")


def test_pdf_accepted():
    checked = check_upload(upload("Quote.pdf", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"), max_bytes=MB)
    assert (checked.kind, checked.content_type, checked.inline) == ("pdf", "application/pdf", True)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("quote.pdf", b"just text"),
        ("photo.jpg", b"%PDF-1.7\n"),
        ("clip.mp4", b"not a video at all"),
        ("song.mp3", b"RIFF\0\0\0\0WAVEfmt "),
        ("old.doc", b"PK\x03\x04"),
        ("sheet.xlsx", b"%PDF-1.7\n"),
        ("text.txt", b"a\0b"),
        ("text.csv", b"\xff\xfe\xff\xfe\x81"),
        ("archive.zip", b"PK\x03\x04broken"),
    ],
)
def test_content_must_match_extension(name, content):
    ext = name.rsplit(".", 1)[1]
    assert refused(name, content) == f"The file's content does not match its .{ext} extension."


def test_valid_docx_accepted():
    checked = check_upload(upload("Proposal.docx", docx_bytes()), max_bytes=MB)
    assert checked.kind == "document"
    assert checked.extension == "docx"
    assert checked.content_type.endswith("wordprocessingml.document")
    assert checked.inline is False


def test_zip_without_content_types_is_not_docx():
    assert "does not match" in refused("Proposal.docx", docx_bytes(with_content_types=False))
    assert check_upload(upload("files.zip", docx_bytes(False)), max_bytes=MB).kind == "archive"


def test_opendocument_checked_by_mimetype_entry():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    assert check_upload(upload("a.odt", buf.getvalue()), max_bytes=MB).kind == "document"
    assert "does not match" in refused("a.ods", buf.getvalue())


def test_legacy_office_needs_ole2_header():
    content = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100
    checked = check_upload(upload("old.xls", content), max_bytes=MB)
    assert (checked.kind, checked.content_type) == ("document", "application/vnd.ms-excel")


def test_media_detected_by_content():
    mov = b"\0\0\0\x14ftypqt  \0\0\0\0qt  " + b"\0" * 40
    checked = check_upload(upload("demo.mp4", mov), max_bytes=MB)
    assert (checked.kind, checked.content_type, checked.inline) == (
        "video",
        "video/quicktime",
        True,
    )
    mp3 = b"ID3\x04\0\0\0\0\0\0" + b"\xff\xfb" * 50
    checked = check_upload(upload("call.mp3", mp3), max_bytes=MB)
    assert (checked.kind, checked.content_type, checked.inline) == ("audio", "audio/mpeg", False)


def test_text_utf8_and_gb18030():
    checked = check_upload(upload("notes.md", "# 会议纪要\n".encode()), max_bytes=MB)
    assert (checked.kind, checked.content_type) == ("text", "text/markdown; charset=utf-8")
    gb = "客户名称,金额\n华为,100\n".encode("gb18030")
    checked = check_upload(upload("客户.csv", gb), max_bytes=MB)
    assert checked.content.decode("utf-8") == "客户名称,金额\n华为,100\n"
    assert checked.size == len(checked.content)


# --- images --------------------------------------------------------------------------------


def test_jpeg_gps_exif_removed_and_orientation_applied():
    raw = image_bytes("JPEG", exif=gps_exif(), comment=b"secret place")
    assert b"SpyCam" in raw
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    checked = check_upload(upload("IMG_0001.JPG", raw), max_bytes=MB)
    assert (checked.kind, checked.extension, checked.content_type) == ("image", "jpg", "image/jpeg")
    assert checked.inline is True
    cleaned = Image.open(io.BytesIO(checked.content))
    assert cleaned.format == "JPEG"
    assert cleaned.size == (20, 40)  # turned upright, then the orientation tag dropped
    assert not cleaned.getexif()
    assert not cleaned.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert b"SpyCam" not in checked.content
    assert b"secret" not in checked.content


def test_png_and_webp_metadata_removed():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret place")
    png = image_bytes("PNG", exif=gps_exif(), pnginfo=info)
    webp = image_bytes("WEBP", exif=gps_exif(), xmp=b"<x:xmpmeta>secret</x:xmpmeta>")
    for name, raw in [("a.png", png), ("a.webp", webp)]:
        checked = check_upload(upload(name, raw), max_bytes=MB)
        assert b"SpyCam" not in checked.content
        assert b"secret" not in checked.content
        assert not Image.open(io.BytesIO(checked.content)).getexif()


def test_animated_gif_keeps_frames():
    frames = [Image.new("RGB", (10, 10), c) for c in ("red", "green", "blue")]
    buf = io.BytesIO()
    frames[0].save(
        buf, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0, comment=b"secret"
    )
    checked = check_upload(upload("anim.gif", buf.getvalue()), max_bytes=MB)
    assert getattr(Image.open(io.BytesIO(checked.content)), "n_frames", 1) == 3
    assert b"secret" not in checked.content


def test_transparency_survives():
    buf = io.BytesIO()
    Image.new("RGBA", (8, 8), (0, 0, 0, 0)).save(buf, "PNG")
    checked = check_upload(upload("clear.png", buf.getvalue()), max_bytes=MB)
    assert Image.open(io.BytesIO(checked.content)).getpixel((0, 0)) == (0, 0, 0, 0)
    buf = io.BytesIO()
    Image.new("P", (8, 8), 3).save(buf, "GIF", transparency=3)
    checked = check_upload(upload("clear.gif", buf.getvalue()), max_bytes=MB)
    pixel = Image.open(io.BytesIO(checked.content)).convert("RGBA").getpixel((0, 0))
    assert isinstance(pixel, tuple) and pixel[3] == 0


def test_png_named_jpg_is_stored_as_png():
    checked = check_upload(upload("photo.jpg", image_bytes("PNG")), max_bytes=MB)
    assert (checked.extension, checked.content_type) == ("png", "image/png")
    assert checked.original_name == "photo.jpg"


def test_decompression_bomb_header_refused():
    bomb = png_header_only(10_000, 10_000)
    assert len(bomb) < 200
    assert refused("bomb.png", bomb) == "The image is too large to process."


def test_image_over_50_megapixels_refused():
    buf = io.BytesIO()
    Image.new("1", (8_000, 8_000), 1).save(buf, "PNG")  # 64 MP, tiny on disk
    assert refused("big.png", buf.getvalue()) == "The image is too large to process."


def test_corrupt_image_refused():
    raw = image_bytes("JPEG")
    assert "damaged" in refused("cut.jpg", raw[: len(raw) // 2])
    assert "damaged" in refused("cut.png", png_header_only(10, 10)[:40])


def test_checked_file_is_frozen():
    checked = check_upload(upload("a.txt", b"x"), max_bytes=MB)
    assert isinstance(checked, CheckedFile)
    with pytest.raises(AttributeError):
        checked.kind = "image"  # type: ignore[misc]
