"""Reading a page's bytes: encoding, line ends, and refusing what is not a page."""

import hashlib
import re
import unicodedata

from .errors import PageParseError

#: A printed page is a few thousand characters; a broadsheet page rarely passes 20,000.
#: Anything past this is not one page of layout text.
MAX_PAGE_BYTES = 2 * 1024 * 1024

_CONTROL_OK = {"\n", "\r", "\t", "\f"}


def decode(data: bytes, *, source: str = "") -> tuple[str, str]:
    """Decode a page's bytes; return ``(text, encoding)``.

    Accepts UTF-8 with or without BOM, then GB18030 (a superset of GBK and GB2312), which
    is what Chinese layout systems export (DESIGN.md, importer contract). Raises
    :class:`PageParseError` for an empty, oversized or binary file, or bytes that are
    neither encoding.
    """
    if len(data) > MAX_PAGE_BYTES:
        raise PageParseError(
            f"文件过大（{len(data) // 1024} KB），一个版面不应超过 {MAX_PAGE_BYTES // 1024} KB",
            source=source,
        )
    if not data.strip():
        raise PageParseError("文件是空的", source=source)
    if b"\x00" in data[:8192]:
        raise PageParseError("这是二进制文件，不是版面文本", source=source)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        break
    else:
        raise PageParseError("无法识别文件编码（应为 UTF-8 或 GB18030/GBK）", source=source)
    bad = _first_control_char(text)
    if bad is not None:
        line = text.count("\n", 0, bad) + 1
        raise PageParseError(
            f"含有控制字符 U+{ord(text[bad]):04X}，可能是二进制文件或编码错误",
            source=source,
            line=line,
        )
    return text, ("utf-8" if encoding == "utf-8-sig" else encoding)


def _first_control_char(text: str) -> int | None:
    for i, ch in enumerate(text):
        if ch not in _CONTROL_OK and unicodedata.category(ch) == "Cc":
            return i
    return None


_ZERO_WIDTH_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def normalise_lines(text: str) -> list[str]:
    """Split into lines (CRLF, CR or LF), NFC-normalised, with edge whitespace removed.

    Ideographic spaces (U+3000) used for indentation count as whitespace. Inner spaces are
    kept: 工会送清凉 防暑保安康 is a two-part headline. Zero-width characters (U+200B–U+200D,
    U+2060, U+FEFF), invisible in print and copied in from web pages, are dropped: they would
    cut a name in two unseen (the page reader marks column breaks with U+2060).
    """
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _ZERO_WIDTH_RE.sub("", text)
    return [line.replace("\u3000", " ").strip() for line in text.split("\n")]


def digest(lines: list[str]) -> str:
    """A fingerprint of the page's content, independent of encoding and line ends."""
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
