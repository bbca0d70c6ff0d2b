"""Take the README's picture of the HTML report: the demo's report, in a headless Chromium.

Usage: python scripts/report_screenshot.py [--lang en] [--width 1280] [--height 1500] [OUT]

Runs `veille demo --html` (in the language asked, through $LANG) into a scratch folder,
opens the file with the browser driver the tests use (tests/browser.py, network off), shoots
the page at WIDTH pixels wide and keeps its top HEIGHT pixels, written to OUT (default
docs/report-demo.png).
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from browser import find_browser, launched  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=REPO / "docs" / "report-demo.png")
    parser.add_argument("--lang", default="en", choices=("en", "fr"))
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=1500)
    args = parser.parse_args()
    executable = find_browser()
    if executable is None:
        print("no Chromium-like browser found: install chromium", file=sys.stderr)
        return 1
    from PIL import Image

    with tempfile.TemporaryDirectory(prefix="veille-shot-") as scratch:
        html = Path(scratch) / "report.html"
        subprocess.run(
            [sys.executable, "-m", "veille", "demo", "--html", str(html)],
            check=True,
            capture_output=True,
            # The demo's report speaks the language of $LANG.
            env={
                "PYTHONPATH": str(REPO / "src"),
                "LANG": {"en": "en_GB.UTF-8", "fr": "fr_FR.UTF-8"}[args.lang],
                "TZ": "Europe/Paris",
                "PATH": "/usr/bin:/bin",
            },
        )
        with launched(executable) as browser:
            page = browser.new_page()
            page.open(html, width=args.width)
            png = page.screenshot(args.width)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image = image.crop((0, 0, image.width, min(image.height, args.height)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    image.quantize(colors=128).save(args.out, optimize=True)
    print(f"{args.out}: {image.width}×{image.height}, {args.out.stat().st_size / 1e3:.0f} kB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
