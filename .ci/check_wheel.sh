#!/usr/bin/env bash
# Build lamina's wheel and sdist, install the wheel into a fresh virtual environment (no
# system site-packages, no source tree on the path, none of the extras) and run, from a
# folder outside the checkout, the unchanged seed example and .ci/wheel_saving_check.py
# (save/load, weights files, ModelCheckpoint, BackupAndRestore resume).
#
# MNIST's host is made unreachable (LAMINA_DATASETS_ORIGIN points at a closed port on
# 127.0.0.1), so the example must say so and train on Fashion-MNIST from Debian's
# dataset-fashion-mnist package: the check demands "Dataset: Fashion-MNIST" and the five
# epochs and the test line in the output.
#
# Usage: bash .ci/check_wheel.sh [PYTHON]   (PYTHON runs `python -m build`; default .venv's)
set -euo pipefail
cd "$(dirname "$0")/.."
source_tree="$PWD"
python="${1:-.venv/bin/python}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== wheel check: python -m build"
"$python" -m build --no-isolation --outdir "$work/dist" . >"$work/build.log" 2>&1 \
    || { cat "$work/build.log"; exit 1; }
wheel=("$work"/dist/lamina-*.whl)
sdist=("$work"/dist/lamina-*.tar.gz)
[ -f "${wheel[0]}" ] && [ -f "${sdist[0]}" ] || { echo "build made no wheel and sdist"; ls "$work/dist"; exit 1; }
echo "built $(basename "${wheel[0]}") and $(basename "${sdist[0]}")"

version="$("$python" -c 'import lamina; print(lamina.__version__)')"
"$python" - "${wheel[0]}" "${sdist[0]}" "$version" <<'PY'
import sys, tarfile, zipfile
wheel, sdist, version = sys.argv[1:]
names = zipfile.ZipFile(wheel).namelist()
meta = zipfile.ZipFile(wheel).read(f"lamina-{version}.dist-info/METADATA").decode()
problems = [f"wheel lacks {n}" for n in ("lamina/__init__.py", "lamina/py.typed") if n not in names]
problems += [f"wheel ships {n}" for n in names if n.startswith(("tests/", "docs/", "examples/"))]
problems += [f"METADATA lacks {line!r}" for line in (f"Version: {version}", "License-Expression: Apache-2.0")
             if line not in meta]
if not any(n.endswith("licenses/LICENSE") for n in names):
    problems.append("wheel lacks the LICENSE file")
members = tarfile.open(sdist).getnames()
for wanted in ("LICENSE", "README.md", "CHANGELOG.md", "pyproject.toml", "lamina/py.typed"):
    if not any(m.endswith(f"/{wanted}") for m in members):
        problems.append(f"sdist lacks {wanted}")
if problems:
    sys.exit("wheel check FAILED:\n- " + "\n- ".join(problems))
print(f"wheel and sdist contents ok (version {version}, {len(names)} files in the wheel)")
PY

echo "== wheel check: install into a fresh virtual environment"
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q --disable-pip-version-check \
    -c constraints-dev.txt "${wheel[0]}"

mkdir "$work/run"
cp examples/seed_example.py .ci/wheel_saving_check.py "$work/run/"
cd "$work/run"
installed="$("$work/venv/bin/python" -c 'import lamina; print(lamina.__file__)')"
case "$installed" in
    "$work/venv/"*) echo "lamina imports from the wheel: $installed" ;;
    *) echo "wheel check FAILED: lamina imports from $installed, not the fresh venv"; exit 1 ;;
esac
case "$installed" in "$source_tree"/*) echo "wheel check FAILED: imported the source tree"; exit 1 ;; esac

echo "== wheel check: the seed example on the installed wheel"
closed_port="$("$work/venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
LAMINA_HOME="$work/home" LAMINA_DATASETS_ORIGIN="http://127.0.0.1:$closed_port/" \
    "$work/venv/bin/python" seed_example.py >"$work/seed.log" 2>&1 \
    || { cat "$work/seed.log"; echo "wheel check FAILED: the seed example exited with an error"; exit 1; }
cat "$work/seed.log"
grep -q "^Dataset: Fashion-MNIST" "$work/seed.log" || { echo "wheel check FAILED: no 'Dataset: Fashion-MNIST'"; exit 1; }
grep -q "Epoch 5/5" "$work/seed.log" || { echo "wheel check FAILED: the example did not train 5 epochs"; exit 1; }
tail -n 1 "$work/seed.log" | grep -q "^313/313 .*accuracy: 0\.[89]" \
    || { echo "wheel check FAILED: no test line with accuracy >= 0.8"; tail -n 3 "$work/seed.log"; exit 1; }
echo "the seed example ran on the installed wheel ($(tail -n 1 "$work/seed.log" | tr -s ' '))"

echo "== wheel check: saving, loading, checkpoints and resume on the installed wheel alone"
mkdir "$work/saves"
"$work/venv/bin/python" wheel_saving_check.py "$work/saves" || { echo "wheel check FAILED: saving on the wheel"; exit 1; }
echo "wheel check passed"
