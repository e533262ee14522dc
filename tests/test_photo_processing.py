"""Photo uploads (issue 5): what articles.photos accepts, refuses, cleans and renders.

Every image is a real one made here with Pillow, or written byte by byte (the 30000×30000 PNG
bomb); no database is needed.
"""

import io
import struct
import subprocess
import sys
import textwrap
import tracemalloc
import zlib
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageCms, ImageFile, PngImagePlugin

from articles.photos import (
    ACCEPTED_FORMATS,
    MAX_PIXELS,
    MAX_UPLOAD_BYTES,
    RENDITION_WIDTHS,
    CleanImage,
    PhotoRejected,
    RenditionImage,
    clean_upload,
    make_renditions,
)

ACCEPTED_TYPES = "JPEG、PNG、WebP"
DAMAGED = "已损坏或不完整"


def encode(im: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    im.save(out, fmt, **options)
    return out.getvalue()


def photo(size=(400, 300), mode="RGB") -> Image.Image:
    """A picture with some structure (a gradient and a block), not a flat colour."""
    im = Image.linear_gradient("L").resize(size).convert(mode)
    im.paste(Image.new(mode, (size[0] // 4, size[1] // 4), "red" if mode != "L" else 90), (5, 5))
    return im


def decode(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def refusal(data: bytes, name: str = "", **kwargs) -> str:
    with pytest.raises(PhotoRejected) as info:
        clean_upload(io.BytesIO(data), name=name, **kwargs)
    return str(info.value)


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_header(width: int, height: int, bit_depth: int = 8, colour_type: int = 0) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return PNG_SIGNATURE + png_chunk(b"IHDR", ihdr)


def jpeg_with_dimensions(width: int, height: int) -> bytes:
    """A real baseline JPEG whose SOF0 header is patched to claim another size."""
    data = bytearray(encode(photo((64, 48)), "JPEG", quality=80))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


# -- what is accepted -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "extension", "name"),
    [("JPEG", "jpg", "a.jpg"), ("PNG", "png", "b.png"), ("WEBP", "webp", "c.webp")],
)
def test_each_accepted_format_is_kept_in_its_format(fmt, extension, name):
    data = encode(photo((640, 427)), fmt)
    result = clean_upload(io.BytesIO(data), name=name, size=len(data))
    assert isinstance(result, CleanImage)
    assert (result.format, result.extension) == (fmt, extension)
    assert (result.width, result.height) == (640, 427)
    assert ACCEPTED_FORMATS[result.format] == result.extension
    out = decode(result.data)
    assert (out.format, out.size) == (fmt, (640, 427))
    assert result.taken_at is None


def test_a_png_named_jpg_is_judged_by_its_content():
    data = encode(photo(), "PNG")
    result = clean_upload(io.BytesIO(data), name="photo.jpg")
    assert (result.format, result.extension) == ("PNG", "png")
    assert decode(result.data).format == "PNG"


def test_the_stream_is_read_from_its_start_and_not_closed():
    stream = io.BytesIO(encode(photo(), "JPEG"))
    stream.seek(100)
    assert clean_upload(stream).format == "JPEG"
    assert not stream.closed


def test_a_non_seekable_stream_is_accepted():
    class Pipe(io.RawIOBase):
        def __init__(self, data):
            self._inner = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, buffer):
            return self._inner.readinto(buffer)

    assert clean_upload(Pipe(encode(photo(), "PNG"))).format == "PNG"


def test_transparency_and_palette_survive_in_png():
    im = Image.new("RGBA", (50, 40), (0, 0, 0, 0))
    im.paste((200, 10, 10, 255), (10, 10, 30, 30))
    result = clean_upload(io.BytesIO(encode(im, "PNG")))
    out = decode(result.data).convert("RGBA")
    assert out.getpixel((0, 0))[3] == 0
    assert out.getpixel((20, 20)) == (200, 10, 10, 255)

    pal = photo((60, 60)).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    pal.info["transparency"] = pal.getpixel((0, 0))
    out = decode(clean_upload(io.BytesIO(encode(pal, "PNG"))).data)
    assert out.mode == "P"
    assert out.convert("RGBA").getpixel((0, 0))[3] == 0


def test_lossless_webp_stays_lossless():
    im = photo((120, 80))
    result = clean_upload(io.BytesIO(encode(im, "WEBP", lossless=True)))
    assert result.format == "WEBP"
    assert decode(result.data).convert("RGB").tobytes() == im.tobytes()


def test_a_cmyk_jpeg_becomes_rgb():
    im = Image.new("CMYK", (80, 60), (0, 255, 255, 0))  # red in CMYK
    result = clean_upload(io.BytesIO(encode(im, "JPEG")))
    out = decode(result.data)
    assert (result.format, out.mode) == ("JPEG", "RGB")
    red, green, blue = out.getpixel((40, 30))
    assert red > 200 and green < 60 and blue < 60


def test_the_icc_profile_is_kept():
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    for fmt in ACCEPTED_FORMATS:
        result = clean_upload(io.BytesIO(encode(photo(), fmt, icc_profile=icc)))
        assert decode(result.data).info.get("icc_profile") == icc, fmt


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_an_animation_is_accepted_as_its_first_frame(fmt):
    frames = [Image.new("RGB", (40, 30), colour) for colour in ("red", "blue", "green")]
    data = encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100)
    assert getattr(Image.open(io.BytesIO(data)), "n_frames", 1) == 3  # really animated
    result = clean_upload(io.BytesIO(data))
    out = decode(result.data)
    assert getattr(out, "n_frames", 1) == 1
    red, green, blue = out.convert("RGB").getpixel((20, 15))
    assert red > 200 and green < 40 and blue < 40


# -- what is refused --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "make", "kind"),
    [
        ("anim.gif", lambda: encode(photo(mode="RGB"), "GIF"), "GIF"),
        ("scan.bmp", lambda: encode(photo(), "BMP"), "BMP"),
        ("scan.tif", lambda: encode(photo(), "TIFF"), "TIFF"),
        ("page.pdf", lambda: b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n", "PDF"),
        ("notes.jpg", lambda: "这不是照片，只是一段文字。\n".encode() * 20, None),
        ("page.jpg", lambda: b"<!DOCTYPE html><html><script>alert(1)</script></html>", None),
        (
            "logo.jpg",
            lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="9"/></svg>',
            None,
        ),
        ("noise.png", lambda: bytes(range(256)) * 8, None),
    ],
)
def test_other_content_is_refused_naming_the_accepted_types(name, make, kind):
    message = refusal(make(), name=name)
    assert f"“{name}”" in message
    assert ACCEPTED_TYPES in message
    if kind:
        assert kind in message


def test_an_empty_file_is_refused():
    message = refusal(b"", name="empty.jpg")
    assert "“empty.jpg”" in message and "空" in message


def test_too_large_a_declared_size_is_refused_in_mb():
    data = encode(photo(), "JPEG")
    message = refusal(data, name="big.jpg", size=MAX_UPLOAD_BYTES + 1)
    assert "“big.jpg”" in message
    assert "20 MB" in message


def test_too_large_a_file_is_measured_without_reading_it(tmp_path):
    path = tmp_path / "huge.jpg"
    with path.open("wb") as f:
        f.write(encode(photo(), "JPEG"))
        f.truncate(MAX_UPLOAD_BYTES + 1024)  # sparse: instant, no real data

    class Counting(io.FileIO):
        bytes_read = 0

        def read(self, size=-1):
            data = super().read(size)
            Counting.bytes_read += len(data)
            return data

    with Counting(path, "rb") as stream:
        with pytest.raises(PhotoRejected) as info:
            clean_upload(stream, name="huge.jpg")
        message = str(info.value)
    assert "20.0 MB" in message and "上限 20 MB" in message
    assert Counting.bytes_read == 0


def test_the_name_is_reduced_to_the_file_name():
    message = refusal(b"GIF89a" + bytes(40), name="C:\\fakepath\\旧照片.gif")
    assert "“旧照片.gif”" in message and "fakepath" not in message


def test_without_a_name_the_message_is_still_a_sentence():
    assert refusal(b"").startswith("上传的文件")


# -- decompression bombs ----------------------------------------------------------------------


def write_png_bomb(path, side=30000):
    """A real, valid 1-bit greyscale PNG of side×side pixels, all black, written in pieces.

    Decoded it would be side² pixels (900 million for 30000); compressed it is ~100 KB.
    """
    row = b"\x00" * (1 + (side + 7) // 8)  # filter byte + packed 1-bit pixels
    compressor = zlib.compressobj(9)
    with path.open("wb") as f:
        f.write(png_header(side, side, bit_depth=1, colour_type=0))
        for _ in range(side):
            piece = compressor.compress(row)
            if piece:
                f.write(png_chunk(b"IDAT", piece))
        f.write(png_chunk(b"IDAT", compressor.flush()))
        f.write(png_chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def png_bomb(tmp_path_factory):
    path = tmp_path_factory.mktemp("bomb") / "bomb.png"
    write_png_bomb(path)
    return path


def test_the_bomb_file_is_a_real_png(png_bomb):
    """Small on disk, a valid 30000×30000 PNG header, and IDAT data that inflates in full."""
    assert png_bomb.stat().st_size < 1024 * 1024
    with png_bomb.open("rb") as f:
        header = PngImagePlugin.PngImageFile(f)  # header only, no bomb check
        assert (header.size, header.mode) == ((30000, 30000), "1")
    data = png_bomb.read_bytes()
    inflater = zlib.decompressobj()
    inflated, pos = 0, len(PNG_SIGNATURE)
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        payload = data[pos + 8 : pos + 8 + length]
        crc = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])[0]
        assert zlib.crc32(kind + payload) & 0xFFFFFFFF == crc
        if kind == b"IDAT":
            inflated += len(inflater.decompress(payload))
        pos += 12 + length
    assert kind == b"IEND" and inflater.eof
    assert inflated == 30000 * (1 + 30000 // 8)


def test_a_30000_square_png_is_refused_before_decoding(png_bomb, monkeypatch):
    def no_decoding(self):
        raise AssertionError("the bomb's pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    monkeypatch.setattr(Image.Image, "load", no_decoding)
    with png_bomb.open("rb") as stream:
        # tracemalloc sees Python allocations only (what was read from the file); the
        # pixel buffers Pillow would allocate in C are guarded by the subprocess test below.
        tracemalloc.start()
        try:
            with pytest.raises(PhotoRejected) as info:
                clean_upload(stream, name="bomb.png")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    message = str(info.value)
    assert "“bomb.png”" in message
    assert "30000×30000" in message
    assert "5000 万像素" in message
    assert peak < 20 * 1024 * 1024, f"peak Python memory {peak / 1e6:.1f} MB"


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux's /proc")
def test_the_bomb_is_refused_in_a_small_process_without_django(png_bomb):
    """The whole process, C allocations included, stays small: decoding would need 900 MB.

    It also shows that articles.photos works without Django.
    """
    script = textwrap.dedent(
        f"""
        import re, sys
        from articles.photos import PhotoRejected, clean_upload
        try:
            with open({str(png_bomb)!r}, "rb") as stream:
                clean_upload(stream, name="bomb.png")
        except PhotoRejected as exc:
            print("refused", exc)
        print("django" in sys.modules)
        # VmHWM: this process's peak resident memory (ru_maxrss would include the parent's).
        status = open("/proc/self/status").read()
        print(int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1)) // 1024)
        """
    )
    root = Path(__file__).resolve().parent.parent
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    refused, django_loaded, peak_mb = run.stdout.splitlines()
    assert refused.startswith("refused") and "30000×30000" in refused
    assert django_loaded == "False"
    assert int(peak_mb) < 150, f"peak RSS {peak_mb} MB"


@pytest.mark.parametrize(
    ("width", "height"),
    [(10000, 6000), (65000, 65000)],  # over our limit; over Pillow's own bomb guard too
)
def test_a_jpeg_claiming_too_many_pixels_is_refused(width, height):
    message = refusal(jpeg_with_dimensions(width, height), name="big.jpg")
    assert f"{width}×{height}" in message
    assert width * height > MAX_PIXELS


@pytest.mark.parametrize(
    ("width", "height", "too_big"),
    [(8256, 5504, False), (7071, 7071, False), (7072, 7071, True)],  # 45 MP; 50 MP either side
)
def test_the_pixel_limit_is_50_megapixels(width, height, too_big):
    # Headers with no pixel data: under the limit the file gets as far as decoding and is
    # refused as damaged; over it, it is refused for its size first.
    message = refusal(png_header(width, height) + png_chunk(b"IEND", b""), name="z.png")
    assert (f"{width}×{height}" in message) is too_big
    assert (DAMAGED in message) is not too_big


def test_a_zero_sized_png_is_refused():
    data = png_header(0, 10) + png_chunk(b"IEND", b"")
    assert "0×10" in refusal(data, name="zero.png")


# -- damaged files ----------------------------------------------------------------------------


def damaged_cases():
    jpeg = encode(photo((800, 600)), "JPEG", quality=90)
    png = encode(photo((300, 200)), "PNG")
    webp = encode(photo((300, 200)), "WEBP")
    bad_crc = bytearray(png)
    bad_crc[29] ^= 0xFF  # IHDR's CRC
    idat = png.index(b"IDAT")
    flipped = bytearray(png)
    for offset in range(idat + 20, idat + 60):
        flipped[offset] ^= 0x55
    return [
        ("truncated.jpg", jpeg[: len(jpeg) // 2]),
        ("truncated.png", png[: len(png) // 2]),
        ("truncated.webp", webp[: len(webp) // 2]),
        ("badcrc.png", bytes(bad_crc)),
        ("corrupt.png", bytes(flipped)),
        ("header-only.png", png_header(300, 200, 8, 2) + png_chunk(b"IEND", b"")),
        ("header-only.jpg", jpeg[:200]),
    ]


@pytest.mark.parametrize(("name", "data"), damaged_cases(), ids=lambda v: v)
def test_damaged_files_are_refused_as_damaged(name, data):
    message = refusal(data, name=name)
    assert f"“{name}”" in message
    assert DAMAGED in message


# -- orientation and EXIF ---------------------------------------------------------------------


def two_colour_jpeg(exif: Image.Exif) -> bytes:
    """400×200, left half red, right half blue."""
    im = Image.new("RGB", (400, 200), "blue")
    im.paste((255, 0, 0), (0, 0, 200, 200))
    return encode(im, "JPEG", quality=95, exif=exif.tobytes())


def test_exif_orientation_is_applied_and_the_tag_removed():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    result = clean_upload(io.BytesIO(two_colour_jpeg(exif)), name="phone.jpg")
    assert (result.width, result.height) == (200, 400)
    out = decode(result.data)
    assert out.size == (200, 400)
    assert 0x0112 not in out.getexif()
    # The left (red) half is now on top.
    assert out.getpixel((100, 50))[0] > 200 and out.getpixel((100, 50))[2] < 60
    assert out.getpixel((100, 350))[2] > 200 and out.getpixel((100, 350))[0] < 60


def camera_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # Make
    exif[0x0110] = "EOS R5"  # Model
    exif[0x013B] = "记者 马超"  # Artist
    exif[0x8769] = {
        0x9003: "2024:05:01 09:30:15",  # DateTimeOriginal
        0x829A: 0.004,  # ExposureTime
        0xA431: "SN-0123456789",  # BodySerialNumber
    }
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 17.0)}
    return exif


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_gps_is_removed_and_the_camera_kept(fmt):
    data = encode(photo(), fmt, exif=camera_exif().tobytes())
    original = Image.open(io.BytesIO(data)).getexif()
    assert original.get_ifd(0x8825)  # the upload really carries a position

    result = clean_upload(io.BytesIO(data))
    exif = decode(result.data).getexif()
    assert 0x8825 not in exif
    assert exif.get_ifd(0x8825) == {}
    assert b"SN-0123456789" not in result.data
    assert exif[0x010F] == "Canon" and exif[0x0110] == "EOS R5"
    assert exif.get_ifd(0x8769)[0x9003] == "2024:05:01 09:30:15"
    assert result.taken_at == datetime(2024, 5, 1, 9, 30, 15)


@pytest.mark.parametrize("value", ["0000:00:00 00:00:00", "yesterday", "    :  :     :  :  "])
def test_a_malformed_date_taken_is_none(value):
    exif = Image.Exif()
    exif[0x8769] = {0x9003: value}
    result = clean_upload(io.BytesIO(encode(photo(), "JPEG", exif=exif.tobytes())))
    assert result.taken_at is None


def test_xmp_and_text_chunks_are_not_carried_over():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    info.add_itxt("XML:com.adobe.xmp", '<x:xmpmeta exif:GPSLatitude="39,54N"/>')
    data = encode(photo(), "PNG", pnginfo=info)
    assert b"GPSLatitude" in data
    cleaned = clean_upload(io.BytesIO(data)).data
    assert b"GPSLatitude" not in cleaned and b"script" not in cleaned


# -- renditions -------------------------------------------------------------------------------


def check_rendition(r: RenditionImage):
    im = decode(r.data)
    assert im.format == r.format
    assert im.size == (r.width, r.height)
    assert r.extension == {"WEBP": "webp", "JPEG": "jpg"}[r.format]
    return im


def test_renditions_of_a_wide_photo():
    source = clean_upload(io.BytesIO(encode(photo((2000, 1000)), "JPEG"))).data
    renditions = make_renditions(source)
    assert [(r.format, r.width, r.height) for r in renditions] == [
        ("WEBP", 480, 240),
        ("WEBP", 960, 480),
        ("WEBP", 1600, 800),
        ("JPEG", 480, 240),
        ("JPEG", 960, 480),
        ("JPEG", 1600, 800),
    ]
    for r in renditions:
        im = check_rendition(r)
        if r.format == "JPEG":
            assert im.mode == "RGB"
            assert im.info.get("progressive") or im.info.get("progression")


def test_a_narrow_photo_is_never_upscaled():
    source = encode(photo((700, 525)), "PNG")
    renditions = make_renditions(source)
    assert [(r.format, r.width, r.height) for r in renditions] == [
        ("WEBP", 480, 360),
        ("WEBP", 700, 525),
        ("JPEG", 480, 360),
        ("JPEG", 700, 525),
    ]
    for r in renditions:
        check_rendition(r)


def test_a_photo_exactly_the_largest_width_gets_every_width():
    renditions = make_renditions(encode(photo((1600, 900)), "WEBP"))
    assert [r.width for r in renditions if r.format == "JPEG"] == list(RENDITION_WIDTHS)


def test_a_tiny_photo_gets_its_own_size_only():
    renditions = make_renditions(encode(photo((300, 3)), "JPEG"))
    assert [(r.format, r.width, r.height) for r in renditions] == [
        ("WEBP", 300, 3),
        ("JPEG", 300, 3),
    ]


def test_a_very_wide_strip_keeps_at_least_one_pixel_of_height():
    renditions = make_renditions(encode(Image.new("L", (5000, 2), 128), "PNG"))
    assert {r.height for r in renditions} == {1}
    assert [r.width for r in renditions if r.format == "WEBP"] == [480, 960, 1600]


def test_a_transparent_png_gives_an_rgb_jpeg_flattened_on_white():
    im = Image.new("RGBA", (1000, 500), (0, 0, 0, 0))
    im.paste((0, 0, 255, 255), (0, 0, 500, 500))
    renditions = make_renditions(encode(im, "PNG"))
    jpeg = decode(next(r for r in renditions if r.format == "JPEG").data)
    assert jpeg.mode == "RGB"
    assert min(jpeg.getpixel((470, 200))) > 240  # was transparent: white, not black
    assert jpeg.getpixel((10, 200))[2] > 200
    webp = decode(next(r for r in renditions if r.format == "WEBP").data)
    assert webp.mode == "RGBA" and webp.getpixel((470, 200))[3] == 0


def test_renditions_carry_no_exif_but_keep_the_icc_profile():
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    source = clean_upload(
        io.BytesIO(
            encode(photo((1200, 800)), "JPEG", exif=camera_exif().tobytes(), icc_profile=icc)
        )
    ).data
    assert decode(source).getexif()  # the cleaned photo keeps the camera
    for r in make_renditions(source):
        im = decode(r.data)
        assert not im.getexif(), r
        assert im.info.get("icc_profile") == icc, r


def test_renditions_of_a_big_jpeg_have_exact_sizes():
    # Decoded at a reduced scale (JPEG draft) and still the exact requested sizes.
    source = encode(photo((6000, 4000)), "JPEG", quality=85)
    sizes = [(r.width, r.height) for r in make_renditions(source) if r.format == "JPEG"]
    assert sizes == [(480, 320), (960, 640), (1600, 1067)]


def test_renditions_accept_other_widths_and_refuse_nonsense():
    source = encode(photo((1000, 500)), "PNG")
    assert [r.width for r in make_renditions(source, [320, 320, 2000])] == [320, 1000] * 2
    assert make_renditions(source, []) == []
    with pytest.raises(ValueError):
        make_renditions(source, [0, 480])
    with pytest.raises(PhotoRejected):
        make_renditions(b"not an image at all")


# -- fuzzing: bad bytes never escape as anything but PhotoRejected ------------------------------

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SEEDS = {
    fmt: encode(photo((64, 48)), fmt, exif=camera_exif().tobytes())
    for fmt in ("JPEG", "PNG", "WEBP")
}


def clean_or_refuse(data: bytes) -> None:
    try:
        result = clean_upload(io.BytesIO(data), name="x.jpg")
    except PhotoRejected as exc:
        assert str(exc).startswith("文件“x.jpg”")
        return
    # Whatever was accepted is a real, decodable image of the declared format.
    im = decode(result.data)
    assert im.format == result.format
    assert im.size == (result.width, result.height)
    assert result.width * result.height <= MAX_PIXELS


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes_are_refused_cleanly(data):
    clean_or_refuse(data)


@FUZZ
@given(
    st.sampled_from(sorted(SEEDS)),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=8),
    st.integers(0, 10_000),
)
def test_mutated_real_images_are_accepted_or_refused_cleanly(fmt, flips, cut):
    data = bytearray(SEEDS[fmt])
    for offset, value in flips:
        data[offset % len(data)] = value
    clean_or_refuse(bytes(data[: max(1, len(data) - cut)]))
