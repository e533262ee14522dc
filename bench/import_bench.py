"""Importer speed and memory: the seed pages, and the largest page the importer accepts.

Run: .venv/bin/python bench/import_bench.py
Pure parser, no database (the directory comes from fixtures/unions.json). Prints the median
time per seed page, the time and peak Python memory for one page of MAX_PAGE_BYTES, and the
time to build the directory's word list (paid once per directory change).
"""

import json
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from articles.importer import UnionDirectory, UnionEntry, parse_page  # noqa: E402
from articles.importer.text import MAX_PAGE_BYTES  # noqa: E402


def directory() -> UnionDirectory:
    units = json.loads((ROOT / "fixtures" / "unions.json").read_text(encoding="utf-8"))["unions"]
    return UnionDirectory([UnionEntry(u["name"], u["kind"], tuple(u["aliases"])) for u in units])


def main():
    pages = sorted((ROOT / "fixtures" / "pages").glob("*.txt"))
    started = time.perf_counter()
    lookup = directory()
    lookup.tokenizer().lcut("预热")
    print(f"directory word list: {1000 * (time.perf_counter() - started):.0f} ms")

    for page in pages:
        data = page.read_bytes()
        times = []
        for _ in range(20):
            started = time.perf_counter()
            parse_page(data, source=page.name, directory=lookup)
            times.append(time.perf_counter() - started)
        median = 1000 * statistics.median(times)
        print(f"{page.name}: {len(data) // 1024} KB, median {median:.1f} ms")

    one = b"\n\n".join(p.read_bytes() for p in pages)
    big = (one * (MAX_PAGE_BYTES // len(one)))[: MAX_PAGE_BYTES - 1]
    big = big[: big.rfind(b"\n")]
    tracemalloc.start()
    started = time.perf_counter()
    parsed = parse_page(big, source="big.txt", directory=lookup)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(
        f"largest accepted page: {len(big) // 1024} KB, {len(parsed.articles)} stories, "
        f"{elapsed:.1f} s, peak {peak / 2**20:.0f} MiB"
    )


if __name__ == "__main__":
    main()
