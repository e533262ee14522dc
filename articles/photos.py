"""Photos for the desk: checking an upload, cleaning it, and cutting the web renditions.

Issue 5 ("Upload in the admin") lets editors attach photos to a story. What the desk gets:

* **What is accepted.** JPEG, PNG and WebP, judged by the file's content (Pillow is only
  allowed to try those three decoders); the file name's extension and the browser's content
  type are ignored. A real PNG named ``photo.jpg`` is kept as a PNG. GIF, TIFF, BMP, HEIC,
  SVG, PDF, HTML or text are refused with a sentence that names the accepted types.
* **Limits.** At most :data:`MAX_UPLOAD_BYTES` (20 MB) and :data:`MAX_PIXELS` (50 megapixels:
  a 45 MP camera fits, a 30000×30000 "decompression bomb" does not). The pixel limit is
  checked from the header, before any pixel is decoded, so a bomb is refused at once with
  bounded memory; Pillow's own bomb guard is caught too (its warning is made an error locally,
  Pillow's global settings are left alone).
* **Damaged files** (truncated, bad checksums, a header with no data) are decoded in full
  before acceptance and refused as damaged; truncated images are never silently padded.
  One gap, from libjpeg: a JPEG cut short that still ends with an end-of-image marker decodes
  with its missing part grey and is accepted (Pillow does not report libjpeg's warning).
* **Animation.** An animated WebP or PNG (APNG) is accepted as its first frame only: a news
  photo is a still, and keeping one frame keeps memory and the renditions simple.
* **Re-encoding.** Every accepted photo is re-encoded in its own format (JPEG quality 90,
  PNG at zlib level 1, WebP quality 90 or lossless when the upload was lossless; the lossless
  encodings are the fast ones, since a 50-megapixel PNG took 139 s at PNG's "optimize" and
  22 s as WebP at method 4, and readers only ever get the renditions): anything that is
  not the picture (scripts in comments, appended archives, XMP, text chunks) is left behind.
  The EXIF orientation is applied, so width and height are as displayed. The ICC profile is
  kept (a CMYK JPEG is converted to sRGB through its profile).
* **EXIF: a short allow-list is kept, the rest dropped.** Kept: camera and lens make and model,
  exposure settings, the date taken, artist, copyright, description. Dropped: GPS position
  (it can reveal a source's home or a protected location), the orientation tag (already
  applied), serial numbers, owner name, maker notes (opaque vendor data), the embedded
  thumbnail (it can show the uncropped original) and anything unknown. The date taken is also
  returned as :attr:`CleanImage.taken_at`.

Renditions (:func:`make_renditions`) are WebP and JPEG at the widths of the ``srcset``
(:data:`RENDITION_WIDTHS`), never upscaled, with no metadata but the ICC profile.

Pillow and the standard library only, no Django, so the module can be tested and fuzzed alone.
"""

from __future__ import annotations

import io
import struct
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from PIL import Image, ImageCms, ImageOps, JpegImagePlugin

#: Pillow format name -> file extension of the formats the desk accepts.
ACCEPTED_FORMATS: dict[str, str] = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}

#: Largest upload, in bytes (20 MiB, shown to editors as "20 MB").
MAX_UPLOAD_BYTES: int = 20 * 1024 * 1024

#: Largest image, in pixels (width × height): 50 megapixels.
MAX_PIXELS: int = 50_000_000

#: The most pixels one save may bring, all its uploads together (issue 10, "Image work is
#: bounded per request"): twelve 12-megapixel phone photos, or three of the largest. On the
#: reference machine (2 cores) the worst such save, three 50-megapixel PNGs cleaned and cut,
#: takes about 15 s, a quarter of the production recipe's 60 s worker timeout
#: (``bench/photo_bench.py``).
MAX_PIXELS_PER_SAVE: int = 150_000_000

#: CSS pixel widths of the renditions in the ``srcset``.
RENDITION_WIDTHS: tuple[int, ...] = (480, 960, 1600)

_ACCEPTED_NAMES = "JPEG、PNG、WebP"
_MB = 1024 * 1024

_JPEG_QUALITY = 90
_WEBP_QUALITY = 90
_RENDITION_WEBP_QUALITY = 80
_RENDITION_JPEG_QUALITY = 82

# EXIF tags kept (see the module docstring); everything else is dropped.
_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_ORIENTATION = 0x0112
_DATE_TIME_ORIGINAL = 0x9003
_KEEP_IFD0 = frozenset(
    {
        0x010E,  # ImageDescription
        0x010F,  # Make
        0x0110,  # Model
        0x011A,  # XResolution
        0x011B,  # YResolution
        0x0128,  # ResolutionUnit
        0x0131,  # Software
        0x0132,  # DateTime
        0x013B,  # Artist
        0x8298,  # Copyright
    }
)
_KEEP_EXIF_IFD = frozenset(
    {
        0x829A,  # ExposureTime
        0x829D,  # FNumber
        0x8822,  # ExposureProgram
        0x8827,  # ISOSpeedRatings
        0x9000,  # ExifVersion
        0x9003,  # DateTimeOriginal
        0x9004,  # DateTimeDigitized
        0x9010,  # OffsetTime
        0x9011,  # OffsetTimeOriginal
        0x9012,  # OffsetTimeDigitized
        0x9201,  # ShutterSpeedValue
        0x9202,  # ApertureValue
        0x9204,  # ExposureBiasValue
        0x9205,  # MaxApertureValue
        0x9207,  # MeteringMode
        0x9208,  # LightSource
        0x9209,  # Flash
        0x920A,  # FocalLength
        0x9290,  # SubsecTime
        0x9291,  # SubsecTimeOriginal
        0x9292,  # SubsecTimeDigitized
        0xA001,  # ColorSpace
        0xA402,  # ExposureMode
        0xA403,  # WhiteBalance
        0xA404,  # DigitalZoomRatio
        0xA405,  # FocalLengthIn35mmFilm
        0xA406,  # SceneCaptureType
        0xA408,  # Contrast
        0xA409,  # Saturation
        0xA40A,  # Sharpness
        0xA432,  # LensSpecification
        0xA433,  # LensMake
        0xA434,  # LensModel
    }
)

# Magic numbers of formats editors are likely to try, for a more helpful refusal.
_OTHER_KINDS: tuple[tuple[bytes, int, str], ...] = (
    (b"GIF87a", 0, "GIF"),
    (b"GIF89a", 0, "GIF"),
    (b"BM", 0, "BMP"),
    (b"II*\x00", 0, "TIFF"),
    (b"MM\x00*", 0, "TIFF"),
    (b"%PDF", 0, "PDF"),
    (b"8BPS", 0, "Photoshop（PSD）"),
    (b"ftypheic", 4, "HEIC"),
    (b"ftypheix", 4, "HEIC"),
    (b"ftypmif1", 4, "HEIF"),
    (b"ftypavif", 4, "AVIF"),
)


class PhotoRejected(ValueError):
    """An upload that is not accepted.

    ``str(exc)`` is a complete sentence in Chinese for the editor, naming the file when
    :func:`clean_upload` was given a name.
    """


@dataclass(frozen=True)
class CleanImage:
    """An accepted upload, re-encoded (see the module docstring for what is kept)."""

    data: bytes  #: the encoded image, orientation applied, GPS and other EXIF dropped
    format: str  #: "JPEG" | "PNG" | "WEBP": the upload's real format
    extension: str  #: "jpg" | "png" | "webp"
    width: int  #: pixels, as displayed (after EXIF orientation)
    height: int  #: pixels, as displayed
    taken_at: datetime | None = None  #: EXIF DateTimeOriginal (naive, camera clock)


@dataclass(frozen=True)
class RenditionImage:
    """One web rendition of a photo."""

    data: bytes
    format: str  #: "WEBP" | "JPEG"
    extension: str  #: "webp" | "jpg"
    width: int  #: pixels
    height: int  #: pixels


# -- clean_upload ----------------------------------------------------------------------------


def clean_upload(stream: BinaryIO, *, name: str = "", size: int | None = None) -> CleanImage:
    """Check an uploaded photo and return it cleaned and re-encoded.

    ``stream`` is a binary file object holding the whole upload from offset 0 (a Django
    ``UploadedFile`` will do); it is read, not closed. ``name`` is the file name as uploaded,
    used only in messages. ``size`` is the upload's length in bytes if known; the stream's
    own length is measured by seeking too, and the larger counts.

    Raises :class:`PhotoRejected` (a Chinese sentence for the editor) for an empty or
    too-large file, a format other than JPEG, PNG or WebP, an image over :data:`MAX_PIXELS`
    (checked before decoding), or a damaged file. Nothing else is raised for bad input.
    """
    subject = _subject(name)
    stream = _checked_stream(stream, size, subject)

    head = stream.read(32)
    stream.seek(0)
    header_size = _header_size(head)
    if header_size is not None:
        _check_dimensions(*header_size, subject)

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            im = Image.open(stream, formats=list(ACCEPTED_FORMATS))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            dims = _header_size(head) or _jpeg_size(stream)
            raise PhotoRejected(_too_many_pixels(subject, dims)) from exc
        except Exception as exc:  # Pillow's plugins raise many kinds of errors on bad input
            raise PhotoRejected(_not_accepted(subject, head)) from exc

        _check_dimensions(im.width, im.height, subject)
        # A multi-picture JPEG (MPO, from some phones and 3D cameras) is a JPEG; keep the first.
        fmt = "JPEG" if im.format == "MPO" else im.format or ""
        if fmt not in ACCEPTED_FORMATS:  # cannot happen with formats=..., but be sure
            raise PhotoRejected(_not_accepted(subject, head))
        lossless_webp = fmt == "WEBP" and _webp_is_lossless(stream)
        try:
            im.seek(0)  # an animation is accepted as its first frame
            im.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise PhotoRejected(_too_many_pixels(subject, im.size)) from exc
        except Exception as exc:
            raise PhotoRejected(_damaged(subject)) from exc

    exif = _read_exif(im)
    taken_at = _taken_at(exif)
    if exif is not None and exif.get(_ORIENTATION) in range(2, 9):
        try:
            im = ImageOps.exif_transpose(im)
        except Exception as exc:
            raise PhotoRejected(f"{subject}的方向信息（EXIF）无法处理，请重新导出。") from exc

    data = _encode_clean(im, fmt, _kept_exif(exif), lossless_webp)
    return CleanImage(
        data=data,
        format=fmt,
        extension=ACCEPTED_FORMATS[fmt],
        width=im.width,
        height=im.height,
        taken_at=taken_at,
    )


def pixels_of(stream: BinaryIO) -> int:
    """Width × height of the image in ``stream``, read from its header without decoding a
    pixel, or 0 when the header is not that of a JPEG, PNG or WebP (the upload's own check
    then refuses it). The stream is left at offset 0."""
    try:
        stream.seek(0)
        head = stream.read(32)
        size = _header_size(head) or _jpeg_size(stream)
    except Exception:
        size = None
    finally:
        stream.seek(0)
    return size[0] * size[1] if size else 0


def too_many_pixels_for_one_save(total: int) -> str:
    """The editor's message for uploads of ``total`` pixels together, over
    :data:`MAX_PIXELS_PER_SAVE`."""
    return (
        f"这次保存的图片共 {total / 10_000:.0f} 万像素，超过每次保存 "
        f"{MAX_PIXELS_PER_SAVE // 10_000} 万像素的上限（约 12 张手机照片）。"
        "请先保存其中几张，再添加其余的。"
    )


def _subject(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return f"文件“{base}”" if base else "上传的文件"


def _checked_stream(stream: BinaryIO, size: int | None, subject: str) -> BinaryIO:
    """Refuse empty and too-large uploads; return a seekable stream positioned at 0."""
    try:
        stream.seek(0, io.SEEK_END)
        measured: int | None = stream.tell()
        stream.seek(0)
    except (AttributeError, OSError, ValueError):
        measured = None
    if measured is None:
        # Not seekable: read at most one byte past the limit, never the whole thing.
        data = stream.read(MAX_UPLOAD_BYTES + 1)
        measured = len(data)
        stream = io.BytesIO(data)
    length = max(measured, size or 0)
    if length > MAX_UPLOAD_BYTES:
        raise PhotoRejected(
            f"{subject}大小为 {length / _MB:.1f} MB，超过上限 {MAX_UPLOAD_BYTES // _MB} MB，"
            "请压缩后再上传。"
        )
    if length == 0:
        raise PhotoRejected(f"{subject}是空的（0 字节），请重新选择照片上传。")
    return stream


def _check_dimensions(width: int, height: int, subject: str) -> None:
    if width <= 0 or height <= 0:
        raise PhotoRejected(f"{subject}的尺寸为 {width}×{height} 像素，不是有效的图片。")
    if width * height > MAX_PIXELS:
        raise PhotoRejected(_too_many_pixels(subject, (width, height)))


def _too_many_pixels(subject: str, dims: tuple[int, int] | None) -> str:
    limit = f"{MAX_PIXELS // 10_000} 万像素"
    if dims is None:
        return f"{subject}的尺寸过大，超过上限 {limit}，请缩小后再上传。"
    return f"{subject}的尺寸为 {dims[0]}×{dims[1]} 像素，超过上限 {limit}，请缩小后再上传。"


def _damaged(subject: str) -> str:
    return f"{subject}已损坏或不完整，无法读出图像，请重新导出后再上传。"


def _looks_accepted(head: bytes) -> bool:
    return (
        head.startswith(b"\x89PNG\r\n\x1a\n")
        or head.startswith(b"\xff\xd8\xff")
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
    )


def _not_accepted(subject: str, head: bytes) -> str:
    if _looks_accepted(head):
        # The right magic number, but Pillow could not read the header: broken, not foreign.
        return _damaged(subject)
    for magic, offset, kind in _OTHER_KINDS:
        if head[offset : offset + len(magic)] == magic:
            return (
                f"{subject}是 {kind} 格式，不能使用。只接受 {_ACCEPTED_NAMES} 格式的图片，"
                "请转换后再上传。"
            )
    return f"{subject}不是可识别的图片。只接受 {_ACCEPTED_NAMES} 格式的图片，请检查后再上传。"


def _header_size(head: bytes) -> tuple[int, int] | None:
    """Width and height from the first 30 bytes of a PNG or WebP, or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR" and len(head) >= 24:
        return struct.unpack(">II", head[16:24])
    if head[:4] != b"RIFF" or head[8:12] != b"WEBP" or len(head) < 30:
        return None
    chunk = head[12:16]
    if chunk == b"VP8X":
        return (
            1 + int.from_bytes(head[24:27], "little"),
            1 + int.from_bytes(head[27:30], "little"),
        )
    if chunk == b"VP8L" and head[20] == 0x2F:
        bits = int.from_bytes(head[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    if chunk == b"VP8 " and head[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", head[26:30])
        return width & 0x3FFF, height & 0x3FFF
    return None


def _jpeg_size(stream: BinaryIO) -> tuple[int, int] | None:
    """Width and height from a JPEG's header (no decoding, no bomb check), or None."""
    try:
        stream.seek(0)
        return JpegImagePlugin.JpegImageFile(stream).size
    except Exception:
        return None


def _webp_is_lossless(stream: BinaryIO) -> bool:
    """True when the WebP's image data is a VP8L (lossless) bitstream; walks chunk headers."""
    try:
        stream.seek(12)
        for _ in range(16):
            header = stream.read(8)
            if len(header) < 8:
                return False
            fourcc, length = header[:4], int.from_bytes(header[4:], "little")
            if fourcc == b"VP8L":
                return True
            if fourcc in (b"VP8 ", b"ANMF", b"ALPH"):
                return False
            stream.seek(length + (length & 1), io.SEEK_CUR)
    except (OSError, ValueError):
        return False
    return False


def _read_exif(im: Image.Image) -> Image.Exif | None:
    """The image's EXIF, or None when absent or unreadable (a broken EXIF is just dropped)."""
    try:
        exif = im.getexif()
        exif.get_ifd(_EXIF_IFD)  # parse now, so a broken sub-IFD fails here
    except Exception:
        return None
    return exif if len(exif) else None


def _taken_at(exif: Image.Exif | None) -> datetime | None:
    if exif is None:
        return None
    try:
        value = exif.get_ifd(_EXIF_IFD).get(_DATE_TIME_ORIGINAL)
        if isinstance(value, bytes):
            value = value.decode("ascii")
        if not isinstance(value, str):
            return None
        return datetime.strptime(value.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except (ValueError, UnicodeDecodeError):
        return None


def _kept_exif(exif: Image.Exif | None) -> bytes:
    """EXIF bytes with only the allow-listed tags; b"" when nothing is left or it fails."""
    if exif is None:
        return b""
    kept = Image.Exif()
    try:
        for tag, value in exif.items():
            if tag in _KEEP_IFD0:
                kept[tag] = value
        sub = {t: v for t, v in exif.get_ifd(_EXIF_IFD).items() if t in _KEEP_EXIF_IFD}
        if sub:
            kept[_EXIF_IFD] = sub
        return kept.tobytes() if len(kept) else b""
    except Exception:
        return b""  # values Pillow cannot write back: drop the EXIF rather than the photo


def _icc_space(icc: bytes | None) -> bytes | None:
    """The ICC profile's data colour space (b"RGB ", b"GRAY", b"CMYK"...), or None."""
    return icc[16:20] if icc and len(icc) >= 20 else None


def _icc_for(im: Image.Image, icc: bytes | None) -> bytes | None:
    """The profile when it fits the image's mode (an RGB profile on an RGB image...)."""
    wanted = {"L": b"GRAY", "LA": b"GRAY", "RGB": b"RGB ", "RGBA": b"RGB ", "P": b"RGB "}
    return icc if _icc_space(icc) == wanted.get(im.mode) else None


def _to_rgb(im: Image.Image) -> Image.Image:
    """RGB copy of any other mode; a CMYK image is converted through its ICC profile."""
    icc = im.info.get("icc_profile")
    if im.mode == "CMYK" and _icc_space(icc) == b"CMYK":
        try:
            return ImageCms.profileToProfile(
                im,
                ImageCms.ImageCmsProfile(io.BytesIO(icc)),
                ImageCms.createProfile("sRGB"),
                outputMode="RGB",
            )
        except (ImageCms.PyCMSError, OSError):
            pass
    if im.mode.startswith("I"):  # 16-bit grey: scale, do not clip
        im = im.convert("I").point(lambda v: v * (1 / 256), "L")
    return im.convert("RGB")


def _encode_clean(im: Image.Image, fmt: str, exif: bytes, lossless_webp: bool) -> bytes:
    icc = im.info.get("icc_profile")
    transparency = im.info.get("transparency")
    if fmt == "JPEG":
        if im.mode not in ("L", "RGB"):
            im = _to_rgb(im)
    elif fmt == "WEBP" and im.mode not in ("RGB", "RGBA"):
        im = im.convert("RGBA" if "A" in im.mode or transparency is not None else "RGB")
    # Only what is passed below is written: the info Pillow read from the upload is not.
    im.info = {"transparency": transparency} if fmt == "PNG" and transparency is not None else {}
    options: dict[str, object] = {}
    if exif:
        options["exif"] = exif
    if profile := _icc_for(im, icc):
        options["icc_profile"] = profile
    out = io.BytesIO()
    if fmt == "JPEG":
        im.save(out, "JPEG", quality=_JPEG_QUALITY, optimize=True, **options)
    elif fmt == "PNG":
        im.save(out, "PNG", compress_level=1, **options)
    elif lossless_webp:
        im.save(out, "WEBP", lossless=True, quality=0, method=0, **options)
    else:
        im.save(out, "WEBP", quality=_WEBP_QUALITY, method=4, **options)
    return out.getvalue()


# -- make_renditions -------------------------------------------------------------------------


def make_renditions(
    source: bytes, widths: Iterable[int] = RENDITION_WIDTHS
) -> list[RenditionImage]:
    """Cut the web renditions of a cleaned photo (``CleanImage.data``).

    For each width in ``widths`` (CSS pixels) up to the source's width, plus the source's own
    width when it is narrower than the largest requested one, returns one WebP (quality 80)
    and one progressive RGB JPEG (quality 82, transparency flattened on white). So a 2000 px
    photo gives 480, 960 and 1600; a 700 px one gives 480 and 700. Nothing is upscaled; the
    aspect ratio is kept (height rounded, at least 1 px). Only the ICC profile is carried over.

    Returns WebP renditions first, then JPEG, each by width ascending; ``[]`` for no widths.
    Raises :class:`ValueError` for a width that is not a positive integer, and
    :class:`PhotoRejected` when ``source`` is not a readable JPEG, PNG or WebP within the
    limits (it should come from :func:`clean_upload`).
    """
    requested = sorted(set(widths))
    if any(not isinstance(w, int) or w <= 0 for w in requested):
        raise ValueError(f"rendition widths must be positive integers, got {requested!r}")
    if not requested:
        return []

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            im = Image.open(io.BytesIO(source), formats=list(ACCEPTED_FORMATS))
            _check_dimensions(im.width, im.height, "源图片")
            src_w, src_h = im.size
            targets = sorted({w for w in requested if w <= src_w} | {min(src_w, requested[-1])})
            if im.format in ("JPEG", "MPO"):
                # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when that still covers the largest.
                top = targets[-1]
                im.draft(None, (top, max(1, round(src_h * top / src_w))))
            im.seek(0)
            im.load()
        except PhotoRejected:
            raise
        except Exception as exc:
            raise PhotoRejected("源图片无法读取，不能生成网页用的图片。") from exc

    icc = im.info.get("icc_profile")
    has_alpha = im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info)
    base = im.convert("RGBA") if has_alpha else _to_rgb(im) if im.mode != "RGB" else im
    if base.mode == "RGB" and im.mode == "CMYK":
        icc = None  # converted to sRGB, the CMYK profile no longer applies

    webps: list[RenditionImage] = []
    jpegs: list[RenditionImage] = []
    for width in targets:
        height = max(1, round(src_h * width / src_w))
        frame = base
        if frame.size != (width, height):
            frame = base.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
        webps.append(_rendition(frame, "WEBP", icc))
        if frame.mode == "RGBA":
            flat = Image.new("RGB", frame.size, (255, 255, 255))
            flat.paste(frame, mask=frame.getchannel("A"))
            frame = flat
        jpegs.append(_rendition(frame, "JPEG", icc))
    return webps + jpegs


def _rendition(im: Image.Image, fmt: str, icc: bytes | None) -> RenditionImage:
    options: dict[str, object] = {}
    if _icc_space(icc) == b"RGB ":
        options["icc_profile"] = icc
    out = io.BytesIO()
    if fmt == "WEBP":
        im.save(out, "WEBP", quality=_RENDITION_WEBP_QUALITY, method=4, **options)
        extension = "webp"
    else:
        im.save(
            out,
            "JPEG",
            quality=_RENDITION_JPEG_QUALITY,
            progressive=True,
            optimize=True,
            **options,
        )
        extension = "jpg"
    return RenditionImage(
        data=out.getvalue(), format=fmt, extension=extension, width=im.width, height=im.height
    )
