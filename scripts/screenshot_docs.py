"""Screenshots of the built site in headless Chromium (Debian's package), to see it as a reader does.

    python scripts/screenshot_docs.py docs/_build/html docs/_static/screenshots

writes ``front.png`` (the front page) and ``gallery.png`` (the working-memory gallery page) and
prints each page's title as Chromium rendered it, so an error page cannot pass for the site.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PAGES = {"front.png": "index.html", "gallery.png": "gallery/working_memory.html"}
# no background networking: the machine's closed network refuses Chromium's own connections
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1280,900",
]


def chromium() -> str | None:
    """The Chromium executable, or None when it is not installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def rendered_title(browser: str, url: str, profile: str) -> str:
    """The page's <title> after Chromium loaded and rendered it (``--dump-dom``)."""
    dom = subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", url], capture_output=True, text=True, timeout=120).stdout
    match = re.search(r"<title>(.*?)</title>", dom, flags=re.S)
    return match.group(1).strip() if match else ""


def screenshot(site: Path, out: Path) -> dict[str, str]:
    """Take every screenshot in PAGES; return {file name: the rendered page's title}."""
    browser = chromium()
    if browser is None:
        raise SystemExit("screenshot_docs: chromium is not installed (Debian: apt-get install chromium)")
    out.mkdir(parents=True, exist_ok=True)
    titles = {}
    for name, page in PAGES.items():
        url = (site / page).resolve().as_uri()
        with tempfile.TemporaryDirectory() as profile:
            subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={out / name}", url], capture_output=True, timeout=120, check=True)
            titles[name] = rendered_title(browser, url, profile)
    return titles


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="the built site (docs/_build/html)")
    parser.add_argument("out", type=Path, help="folder for front.png and gallery.png")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        print(f"screenshot_docs: {args.site} has no index.html; build the site first (make docs)", file=sys.stderr)
        return 2
    for name, title in screenshot(args.site, args.out).items():
        print(f"{args.out / name}: {title}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
