"""Photo uploads: what a camera-sized photo costs, and what refusing a bomb costs.

Run: .venv/bin/python bench/photo_bench.py
Pure Pillow (``articles/photos.py``), no database. Prints, for a 6000×4000 (24 MP) JPEG of
camera noise (hard to compress, like a real photo): the time to check and normalise it
(``clean_upload``) and to make its six renditions (``make_renditions``), median of 3; and for a
complete 30000×30000 PNG (900 MP once decoded): the time to refuse it and the peak memory
of a fresh process that does only that (decoding it would need about 900 MB).

Then the worst save the desk may make (issue 10, "Image work is bounded per request"): the
most pixels one save may bring, ``photos.MAX_PIXELS_PER_SAVE``, as 50-megapixel PNGs (the
slowest format to clean), each checked and cut as the story form's save does; and, in the
same run, the cost of the PNG encoding used before (``optimize=True``) against today's, on one
of those images.
"""

import io
import statistics
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from articles import photos  # noqa: E402


def png_bomb(side: int = 30000) -> bytes:
    """A valid ``side``×``side`` 1-bit PNG, all black: small on disk, huge decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    packer = zlib.compressobj(9)
    row = b"\0" * (1 + (side + 7) // 8)
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


REFUSE_IN_A_FRESH_PROCESS = """
import io, resource, sys, time
sys.path.insert(0, {root!r})
from articles import photos
data = open({path!r}, "rb").read()
started = time.perf_counter()
try:
    photos.clean_upload(io.BytesIO(data), name="bomb.png", size=len(data))
except photos.PhotoRejected as exc:
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{{elapsed * 1000:.2f}} {{peak:.0f}} {{exc}}")
"""


def main():
    # The bomb first: a child forked from a parent that already holds a decoded 24 MP photo
    # would report the parent's peak memory as its own (ru_maxrss is kept across fork).
    bomb = ROOT / "var" / "bench-bomb.png"
    bomb.parent.mkdir(exist_ok=True)
    bomb.write_bytes(png_bomb())
    script = REFUSE_IN_A_FRESH_PROCESS.format(root=str(ROOT), path=str(bomb))
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    milliseconds, peak, message = out.stdout.strip().split(" ", 2)
    print(f"30000×30000 PNG ({bomb.stat().st_size / 1024:.0f} KB on disk):")
    print(f"  refused in {milliseconds} ms; peak memory of the whole process {peak} MB")
    print(f"  message: {message}")
    bomb.unlink()

    camera = io.BytesIO()
    Image.effect_noise((6000, 4000), 48).convert("RGB").save(camera, "JPEG", quality=92)
    data = camera.getvalue()
    clean_times, rendition_times = [], []
    for _ in range(3):
        started = time.perf_counter()
        clean = photos.clean_upload(io.BytesIO(data), name="camera.jpg", size=len(data))
        clean_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        made = photos.make_renditions(clean.data)
        rendition_times.append(time.perf_counter() - started)
    print(f"24 MP JPEG ({len(data) / 1e6:.1f} MB):")
    print(f"  clean_upload     {statistics.median(clean_times):.2f} s (median of 3)")
    print(f"  make_renditions  {statistics.median(rendition_times):.2f} s (median of 3)")
    for image in made:
        size = f"{image.width}×{image.height}"
        print(f"    {image.format:<5} {size:<10} {len(image.data) / 1024:.0f} KB")


def worst_save():
    side_w, side_h = 7000, photos.MAX_PIXELS // 7000
    count = photos.MAX_PIXELS_PER_SAVE // (side_w * side_h)
    # Smooth, photo-like content, so that the PNG fits the 20 MB limit of one upload.
    picture = Image.effect_noise((side_w // 200, side_h // 200), 64).convert("RGB")
    picture = picture.resize((side_w, side_h), Image.Resampling.BICUBIC)
    encoded = io.BytesIO()
    picture.save(encoded, "PNG")
    data = encoded.getvalue()
    started = time.perf_counter()
    for i in range(count):
        clean = photos.clean_upload(io.BytesIO(data), name=f"{i}.png", size=len(data))
        photos.make_renditions(clean.data)
    elapsed = time.perf_counter() - started
    print(f"the worst save: {count} PNGs of {side_w}×{side_h} ({len(data) / 1e6:.1f} MB each)")
    print(f"  cleaned and cut in {elapsed:.1f} s ({elapsed / count:.1f} s a photo)")
    timings = {}
    for label, options in (("optimize=True", {"optimize": True}), ("level 1", {})):
        started = time.perf_counter()
        picture.save(io.BytesIO(), "PNG", **(options or {"compress_level": 1}))
        timings[label] = time.perf_counter() - started
    ratio = timings["optimize=True"] / timings["level 1"]
    print(
        f"  one PNG's encoding: optimize=True {timings['optimize=True']:.1f} s, "
        f"level 1 {timings['level 1']:.1f} s (ratio {ratio:.0f}×)"
    )


if __name__ == "__main__":
    main()
    worst_save()
