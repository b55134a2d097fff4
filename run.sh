#!/usr/bin/env bash
# One entry point for newcomers and CI:
#   bash run.sh example   set up, then train the seed example (examples/seed_example.py)
#   bash run.sh test      set up, then lint and run the test suite
#   bash run.sh bench     set up, then run the seed benchmark (benchmarks/seed_mlp.py)
# Set-up (idempotent): Debian's dataset-fashion-mnist (real data that needs no download)
# and a virtual environment in .venv with PyTorch's CPU build and lamina installed.
set -euo pipefail
cd "$(dirname "$0")"

setup() {
    if [ ! -d /usr/share/datasets/fashion-mnist ]; then
        echo "Installing Debian's dataset-fashion-mnist ..."
        export DEBIAN_FRONTEND=noninteractive
        sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
        $sudo_cmd apt-get update -qq
        $sudo_cmd apt-get install -y -qq dataset-fashion-mnist >/dev/null
    fi
    if [ ! -x .venv/bin/python ]; then
        python3 -m venv .venv
    fi
    if ! .venv/bin/python -c "import lamina, pytest, hypothesis" 2>/dev/null; then
        echo "Installing lamina and its test tools into .venv ..."
        .venv/bin/pip install -q --upgrade pip
        .venv/bin/pip install -q -c constraints-dev.txt -e ".[test]"
    fi
}

case "${1:-}" in
    example) setup; exec .venv/bin/python examples/seed_example.py ;;
    test)
        setup
        .venv/bin/ruff check lamina tests benchmarks examples
        shift
        exec .venv/bin/python -m pytest "$@" ;;
    bench) setup; shift; exec .venv/bin/python benchmarks/seed_mlp.py "$@" ;;
    *) echo "usage: bash run.sh example|test|bench" >&2; exit 2 ;;
esac
