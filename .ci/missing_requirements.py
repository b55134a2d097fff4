"""Print the requirements of lamina (with the extras named on the command line) that this
Python environment lacks, one a line, and exit 1 when there are any.

run.sh asks this before deciding to (re)install: an existing venv then picks up what an
extra gained since it was made (the test extra's tensorflow-cpu), and a complete one costs
a fraction of a second (installed versions are read from metadata; nothing is imported).

Usage: python .ci/missing_requirements.py [EXTRA ...]    (from the repository root)
"""

import importlib.metadata as metadata
import pathlib
import sys

try:
    import tomllib
except ImportError:  # Python 3.10: no TOML reader in the standard library
    tomllib = None

try:
    from packaging.requirements import Requirement
except ImportError:  # packaging comes with pytest: without it the test tools are missing
    Requirement = None

PYPROJECT = pathlib.Path(__file__).resolve().parent.parent / "pyproject.toml"


def lamina_requirements(project, extras):
    """lamina's own requirements and those of ``extras``, with ``lamina[...]`` expanded."""
    yield from (Requirement(text) for text in project.get("dependencies", []))
    seen = set()
    pending = list(extras)
    while pending:
        extra = pending.pop()
        if extra in seen:
            continue
        seen.add(extra)
        if extra not in project["optional-dependencies"]:
            known = ", ".join(sorted(project["optional-dependencies"]))
            raise SystemExit(f"pyproject.toml has no extra {extra!r}. Known extras: {known}.")
        for text in project["optional-dependencies"][extra]:
            requirement = Requirement(text)
            if requirement.name == project["name"]:
                pending.extend(requirement.extras)
            else:
                yield requirement


def unmet(requirement, extra=""):
    """``requirement`` (and what its own extras require) where it is not installed as asked."""
    if requirement.marker is not None and not requirement.marker.evaluate({"extra": extra}):
        return []
    try:
        version = metadata.version(requirement.name)
    except metadata.PackageNotFoundError:
        return [str(requirement)]
    if not requirement.specifier.contains(version, prereleases=True):
        return [f"{requirement} (installed: {version})"]
    missing = []
    for own_extra in requirement.extras:
        for text in metadata.requires(requirement.name) or []:
            needed = Requirement(text)
            if needed.marker is not None and needed.marker.evaluate({"extra": own_extra}):
                missing += unmet(needed, own_extra)
    return missing


def main(extras):
    if Requirement is None:
        print("packaging (and so the test tools)")
        return 1
    try:
        metadata.version("lamina")
    except metadata.PackageNotFoundError:
        print("lamina itself")
        return 1
    if tomllib is None:
        return 0  # cannot read pyproject.toml here; run.sh's import check stands alone
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    missing = [line for requirement in lamina_requirements(project, extras) for line in unmet(requirement)]
    print("\n".join(missing))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
