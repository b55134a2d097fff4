#!/usr/bin/env bash
# One entry point for newcomers and CI:
#   bash run.sh example   set up, then train the seed example (examples/seed_example.py)
#   bash run.sh test      set up, then lint and run the test suite
#   bash run.sh bench     set up, then run the seed benchmark (benchmarks/seed_mlp.py)
#   bash run.sh docs      set up, then build the docs into site/ and run the release checks:
#                         mkdocs build --strict, doctests, mypy, the built front page in
#                         headless Chromium, and the wheel installed into a fresh venv
#                         running the seed example (`test` runs these after pytest too)
# Set-up (idempotent): Debian's dataset-fashion-mnist (real data that needs no download),
# graphviz (the `dot` program behind lamina.utils.plot_model) and a virtual environment
# in .venv with PyTorch's CPU build and lamina installed.
set -euo pipefail
cd "$(dirname "$0")"

setup() {
    local packages=()
    [ -d /usr/share/datasets/fashion-mnist ] || packages+=(dataset-fashion-mnist)
    command -v dot >/dev/null 2>&1 || packages+=(graphviz)
    if [ "${#packages[@]}" -gt 0 ]; then
        echo "Installing Debian's ${packages[*]} ..."
        export DEBIAN_FRONTEND=noninteractive
        sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
        $sudo_cmd apt-get update -qq
        $sudo_cmd apt-get install -y -qq "${packages[@]}" >/dev/null
    fi
    if [ ! -x .venv/bin/python ]; then
        python3 -m venv .venv
    fi
    # Reinstall when anything the test extra of pyproject.toml requires is missing or too
    # old (so a venv made before the extra grew, e.g. tensorflow-cpu, picks it up).
    if ! .venv/bin/python -c "import lamina, pytest, hypothesis" 2>/dev/null \
        || ! missing=$(.venv/bin/python .ci/missing_requirements.py test); then
        echo "Installing lamina and its test tools into .venv ...${missing:+ (missing: ${missing//$'\n'/, })}"
        .venv/bin/pip install -q --upgrade pip
        .venv/bin/pip install -q -c constraints-dev.txt -e ".[test]"
    fi
}

docs_setup() {
    setup
    if ! .venv/bin/python -c "import mkdocs, material, mkdocstrings_handlers.python, build, mypy" 2>/dev/null \
        || ! .venv/bin/python .ci/missing_requirements.py test docs >/dev/null; then
        echo "Installing the documentation and release tools into .venv ..."
        .venv/bin/pip install -q -c constraints-dev.txt -e ".[test,docs]"
    fi
    if ! command -v chromium >/dev/null 2>&1; then
        echo "Installing Debian's chromium (to check the built docs as a browser shows them) ..."
        export DEBIAN_FRONTEND=noninteractive
        sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
        $sudo_cmd apt-get update -qq
        $sudo_cmd apt-get install -y -qq --no-install-recommends chromium >/dev/null
    fi
}

# The release checks. "doctests" runs the docstring examples too (`test` has run them
# already: pytest's configuration collects them from lamina/).
docs_checks() {
    export NO_MKDOCS_2_WARNING=1
    local checks=0 start
    step() {  # step TITLE COMMAND...: run one check and say how long it took
        echo "== docs: $1"; shift
        start=$SECONDS
        "$@"
        checks=$((checks + 1))
        echo "   ($((SECONDS - start)) s)"
    }
    step "mkdocs build --strict (into site/)" .venv/bin/mkdocs build --strict --quiet
    if [ "${1:-}" = doctests ]; then
        step "doctests" .venv/bin/python -m pytest lamina -q -p no:cacheprovider
    fi
    step "mypy (public API entry points)" .venv/bin/mypy
    mkdir -p build/docs-check
    step "the built front page in headless Chromium" \
        .venv/bin/python .ci/check_docs_page.py site build/docs-check
    step "wheel and sdist; the wheel in a fresh venv runs the seed example" \
        bash .ci/check_wheel.sh .venv/bin/python
    echo "docs: $checks passed, 0 failed"
}

case "${1:-}" in
    example) setup; exec .venv/bin/python examples/seed_example.py ;;
    test)
        setup
        .venv/bin/ruff check lamina tests benchmarks examples .ci
        shift
        if [ "$#" -gt 0 ]; then exec .venv/bin/python -m pytest "$@"; fi
        .venv/bin/python -m pytest
        docs_setup
        docs_checks ;;
    docs) docs_setup; docs_checks doctests ;;
    bench) setup; shift; exec .venv/bin/python benchmarks/seed_mlp.py "$@" ;;
    *) echo "usage: bash run.sh example|test|bench|docs" >&2; exit 2 ;;
esac
