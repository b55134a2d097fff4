"""The code in the guides runs.

Every fenced ```` ```python ```` block of a guide (``docs/guides/*.md`` and
``docs/coming-from-*.md``) is executed, the blocks of one page in order and in one
namespace, in a temporary working directory. Blocks meant to be read but not run here
(a Keras round trip, ``torch.compile``) are fenced as ```` ```py ```` instead.
"""

import re

import pytest
from repo_paths import DOCS

import lamina

_BLOCK = re.compile(r"^```python[^\n]*\n(.*?)^```\s*$", re.M | re.S)


def pages_with_code():
    pages = sorted([*DOCS.glob("guides/*.md"), *DOCS.glob("coming-from-*.md")])
    return [p for p in pages if _BLOCK.search(p.read_text(encoding="utf-8"))]


def code_blocks(page):
    return _BLOCK.findall(page.read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", pages_with_code(), ids=lambda p: p.relative_to(DOCS).as_posix())
def test_page_code_runs(page, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": f"docs_{page.stem.replace('-', '_')}"}
    try:
        for number, block in enumerate(code_blocks(page), start=1):
            code = compile(block, f"{page.name} (python block {number})", "exec")
            exec(code, namespace)
    finally:
        lamina.mixed_precision.set_global_policy("float32")


def test_the_guides_have_code():
    names = {p.relative_to(DOCS).as_posix() for p in pages_with_code()}
    assert {"guides/sequential.md", "guides/functional.md", "coming-from-pytorch.md"} <= names
