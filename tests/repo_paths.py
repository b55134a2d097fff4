"""Folders that tests read or launch programs from, wherever in tests/ the test file sits."""

from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
SCRIPTS = TESTS / "scripts"
DOCS = ROOT / "docs"
PACKAGE = ROOT / "lamina"
