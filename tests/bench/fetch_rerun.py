"""Benchmark: the first and a second `govnotice fetch` of the test site, side by side.

Run from the repository root: `python tests/bench/fetch_rerun.py`. Prints, for
each run, the wall time, the requests answered and the body bytes the server
sent, and the ratio second/first (re-fetching should cost next to nothing).
"""
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _site import Listener, Site, build  # noqa: E402

from pipeline.cli import main  # noqa: E402

FAST = ["--allow-private", "--delay", "0", "--timeout", "0.5", "--retries", "1", "--backoff", "0",
        "--max-size", "1", "--quiet"]


def _run(site: Site, argv: list[str], folder: Path) -> tuple[float, int, int]:
    del site.log[:]
    started = time.perf_counter()
    main(argv)
    seconds = time.perf_counter() - started
    # the deliberately failing URLs (too large, too slow) cost the same each run: left out of the bytes
    failed = {json.loads(line)["url"].removeprefix(site.base) for line in open(folder / "fetch-errors.jsonl")}
    sent = sum(len(site.routes[p].body) for p, status in site.log if status == 200 and p not in failed)
    return seconds, len(site.log), sent


def bench() -> None:
    """Fetch the site twice into one folder and print the two runs side by side."""
    with tempfile.TemporaryDirectory() as tmp, Listener() as other, Site() as site:
        build(site, other.port)
        argv = ["fetch", f"{site.base}/list.html", "--follow", "实施方案", "-o", f"{tmp}/dir", *FAST]
        first, second = _run(site, argv, Path(tmp, "dir")), _run(site, argv, Path(tmp, "dir"))
    print(f"{'':16}{'first':>12}{'second':>12}{'ratio':>8}")
    for label, a, b in zip(("seconds", "requests", "bytes of bodies"), first, second):
        print(f"{label:16}{a:12.2f}{b:12.2f}{b / a:8.3f}")


if __name__ == "__main__":
    bench()
