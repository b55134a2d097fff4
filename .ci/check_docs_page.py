"""Open the built docs' front page in headless Chromium and check what a reader sees.

Chromium loads ``site/index.html`` (built by ``mkdocs build``) with its scripts, and this
check reads the DOM it renders: the page title, the "Getting started" heading, and the
getting-started code block holding the seed example (``Sequential`` ... ``fit`` ...
``evaluate``). It also takes a screenshot (``site-check.png`` in the given folder) and
checks that it is not blank.

Usage: python .ci/check_docs_page.py [SITE_DIR] [SCREENSHOT_DIR]
"""

import os
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path


class PageReader(HTMLParser):
    """Collects the text of the headings, the code blocks and the title."""

    def __init__(self):
        super().__init__()
        self.headings, self.code_blocks, self.title = [], [], ""
        self._heading = self._code = self._in_title = None

    def handle_starttag(self, tag, attrs):
        if tag in ("h1", "h2"):
            self._heading = []
        elif tag == "pre":
            self._code = []
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag):
        if tag in ("h1", "h2") and self._heading is not None:
            self.headings.append("".join(self._heading).strip(" ¶\n"))
            self._heading = None
        elif tag == "pre" and self._code is not None:
            self.code_blocks.append("".join(self._code))
            self._code = None
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._heading is not None:
            self._heading.append(data)
        if self._code is not None:
            self._code.append(data)
        if self._in_title:
            self.title += data


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    sys.exit("check_docs_page: no Chromium found (Debian: apt-get install chromium)")


def run_chromium(*arguments, profile):
    command = [
        chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--virtual-time-budget=5000",
        *arguments,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


def main():
    site = Path(sys.argv[1] if len(sys.argv) > 1 else "site").resolve()
    out_dir = Path(sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp()).resolve()
    page = site / "index.html"
    if not page.exists():
        sys.exit(f"check_docs_page: {page} does not exist; build the docs first (mkdocs build)")
    url = page.as_uri()
    failures = []
    with tempfile.TemporaryDirectory() as profile:
        dom = run_chromium("--dump-dom", url, profile=profile).stdout
        screenshot = out_dir / "site-check.png"
        run_chromium(f"--screenshot={screenshot}", "--window-size=1280,1600", url, profile=profile)

    reader = PageReader()
    reader.feed(dom)
    if "lamina" not in reader.title:
        failures.append(f"title {reader.title!r} does not name lamina")
    if "Getting started" not in reader.headings:
        failures.append(f"no 'Getting started' heading; headings: {reader.headings}")
    seed = [
        block for block in reader.code_blocks
        if all(part in block for part in ("import lamina as tf", "Sequential", "model.fit", "model.evaluate"))
    ]
    if not seed:
        failures.append(f"no getting-started code block with the seed example among {len(reader.code_blocks)}")
    if not any("bash run.sh example" in block for block in reader.code_blocks):
        failures.append("the quick start command `bash run.sh example` is missing")
    size = screenshot.stat().st_size if screenshot.exists() else 0
    if size < 20_000:  # a blank page compresses to a few kB
        failures.append(f"screenshot {screenshot} looks blank ({size} bytes)")

    if failures:
        print("docs page check FAILED:\n- " + "\n- ".join(failures))
        return 1
    print(
        f"docs page check: {url} renders the 'Getting started' heading and the seed example "
        f"({len(seed[0].splitlines())} lines of code); screenshot {screenshot} ({size // 1024} kB)"
    )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("HOME", tempfile.gettempdir())
    sys.exit(main())
