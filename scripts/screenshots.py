"""Screenshots of the HTML pages of finished runs, as a reader sees them in a browser.

    python scripts/screenshots.py RUN_FOLDER [RUN_FOLDER ...] --out docs/screenshots

(``scripts/screenshot_runs.sh FOLDER`` makes a small run of every command that writes
pages, about 15 minutes on 2 cores.)

Every ``.html`` under each folder is opened in headless Chromium (Debian's ``chromium``
package: ``apt-get install chromium``) in a window 1400 pixels wide, and saved as
``<folder name>__<page path>.png`` with the empty space below the page cut off. The
pages are checked by eye: a figure cut off, a horizontal scrollbar, a legend over data.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

WIDTH, TALLEST = 1400, 9000
FLAGS = [  # as root, without a screen, with no network to reach
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars=false",
]  # fmt: skip


def browser() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise SystemExit("no Chromium found: apt-get install chromium")


def shoot(page: Path, target: Path) -> None:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                browser(),
                *FLAGS,
                f"--user-data-dir={profile}",
                f"--window-size={WIDTH},{TALLEST}",
                f"--screenshot={target}",
                page.resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    image = np.asarray(Image.open(target).convert("RGB"))
    background = image[-1, 0]
    rows = np.flatnonzero((image != background).any(axis=(1, 2)))
    bottom = int(rows[-1]) + 20 if rows.size else image.shape[0]
    page = Image.fromarray(image[: min(bottom, image.shape[0])])
    # 128 colours: a page of text and plots reads the same, in a fifth of the bytes
    page.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(target, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for folder in args.folders:
        for page in sorted(folder.rglob("*.html")):
            name = f"{folder.name}__{page.relative_to(folder).as_posix().replace('/', '__')}"
            target = args.out / Path(name).with_suffix(".png")
            shoot(page, target)
            print(target)


if __name__ == "__main__":
    main()
