"""report.html in a real browser: headless Chromium loads it from file:// with the network off.

Set GOVNOTICE_UPDATE_SCREENSHOT=1 to copy the screenshot into outputs/compare/report.png (on purpose only).
"""
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "outputs" / "compare" / "report.html"
CHROMIUM = "/usr/bin/chromium"


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={tmp_path / 'profile'}", "--host-resolver-rules=MAP * ~NOTFOUND",
               "--enable-logging=stderr", "--v=0", *args, REPORT.as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)


@pytest.fixture(scope="module")
def data() -> dict:
    page = REPORT.read_text(encoding="utf-8")
    payload = re.search(r'<script id="data" type="application/json">(.*?)</script>', page, re.S).group(1)
    return json.loads(payload.replace("<\\/", "</"))


def test_the_page_references_nothing_outside_itself():
    page = REPORT.read_text(encoding="utf-8")
    assert not re.search(r"""\b(?:src|href)\s*=|url\(|@import|<link\b|<iframe\b""", page, re.I)
    # the only address in the page is the SVG namespace, which a browser never fetches
    assert set(re.findall(r"https?://[^\s\"')]+", page)) == {"http://www.w3.org/2000/svg"}
    assert "Noto Sans CJK SC" in page


def test_chromium_draws_one_timeline_per_match_without_console_errors(tmp_path, data):
    done = _chromium(tmp_path, "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    assert console == []
    dom = done.stdout
    assert 'data-ready="1"' in dom  # the script ran to its end
    assert len(data["timelines"]) >= 2
    assert len(re.findall(r'<div class="timeline" id="timeline-', dom)) == len(data["timelines"])
    assert len(re.findall(r'<svg class="chart timeline-chart"', dom)) == len(data["timelines"])
    dated = sum(1 for t in data["timelines"] for m in t["marks"] if m["deadline"])
    assert len(re.findall(r'<circle class="mark"', dom)) == dated
    body = dom.split('<table id="matches">', 1)[1]
    assert body.count("<tr>") == len(data["matches"]) + 1  # the header row and one per match row


def test_chromium_takes_a_screenshot(tmp_path):
    shot = tmp_path / "report.png"
    done = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,1400", "--hide-scrollbars")
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    if os.environ.get("GOVNOTICE_UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(shot, REPORT.parent / "report.png")
