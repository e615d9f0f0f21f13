#!/usr/bin/env bash
# Installs dctrack into ./.venv. Idempotent: run it again at any time.
# Usage: bash install.sh            (DCTRACK_PYTHON=python3.11 to choose the interpreter)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$ROOT/.venv"
PYTHON="${DCTRACK_PYTHON:-python3}"
TORCH_SPEC="${DCTRACK_TORCH:-torch==2.13.0}"

step() { echo "[install] $*"; }
fail() { echo "[install] FAILED: $*" >&2; exit 1; }
run_step() { local what="$1"; shift; step "$what"; "$@" || fail "$what (command: $*)"; }

if [ ! -x "$VENV/bin/python" ]; then
  run_step "creating virtual environment $VENV with $PYTHON" "$PYTHON" -m venv "$VENV"
else
  step "virtual environment $VENV already exists"
fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip install --disable-pip-version-check -q)

if "$PY" -c "import torch" 2>/dev/null; then
  step "torch $("$PY" -c 'import torch; print(torch.__version__)') already importable, keeping it"
else
  # The pinned version is the local CPU wheel on these machines; a bare 'torch' may pull CUDA builds of several GB.
  run_step "installing $TORCH_SPEC" "${PIP[@]}" "$TORCH_SPEC"
fi

CONSTRAINT="$(mktemp)"
trap 'rm -f "$CONSTRAINT"' EXIT
echo "setuptools<70" > "$CONSTRAINT"   # visdom's setup.py needs pkg_resources (only to build it; upgraded below)
# tornado < 6.5: visdom 0.2.4's page answers HTTP 403 ('../user/style.css is not in root static directory') on 6.5+
run_step "installing numpy, opencv-python, scipy, jpeg4py, visdom, tornado<6.5, tqdm, matplotlib, pytest, hypothesis" \
  env PIP_CONSTRAINT="$CONSTRAINT" "${PIP[@]}" numpy opencv-python scipy jpeg4py visdom "tornado<6.5" tqdm matplotlib pytest hypothesis wheel
if [ "${DCTRACK_NO_TEST_EXTRAS:-0}" != "1" ]; then
  # Test-only extras: the GOT-10k toolkit (its own deps pinned loosely; --no-deps keeps it from pulling torch builds)
  # and the VOT TraX protocol. The toolkit itself never imports them. DCTRACK_NO_TEST_EXTRAS=1 skips this.
  # vot-toolkit: the official VOT client (attributee 0.1.10 breaks every vot command on Python 3.11; 0.1.9 works).
  run_step "installing test extras (got10k toolkit, vot-trax, vot-toolkit, tensorboard)" \
    env PIP_CONSTRAINT="$CONSTRAINT" "${PIP[@]}" shapely fire wget six Pillow vot-trax vot-toolkit attributee==0.1.9 tensorboard
  run_step "installing got10k (no deps)" "${PIP[@]}" --no-deps got10k
fi
run_step "installing dctrack (editable)" env PIP_CONSTRAINT="$CONSTRAINT" "${PIP[@]}" --no-deps --no-build-isolation -e "$ROOT"
# visdom is built: setuptools may now move to what torch asks for (pip check stays clean)
run_step "upgrading setuptools (torch needs >= 77.0.3)" "${PIP[@]}" "setuptools>=77.0.3"

# The visdom page's JS/CSS/fonts (visdom would fetch them from CDNs at its first start, and fails offline).
if "$PY" -m pytracking.debug.visdom_server --check >/dev/null 2>&1; then
  step "visdom page files present"
elif command -v npm >/dev/null; then
  step "installing the visdom page files from npm (python -m pytracking.debug.visdom_server --assets-only)"
  "$PY" -m pytracking.debug.visdom_server --assets-only >/dev/null || step "WARNING: npm could not fetch the visdom page files; python -m pytracking.debug.visdom_server says what to do"
else
  step "visdom page files missing and npm absent: python -m pytracking.debug.visdom_server says what to do"
fi

if ldconfig -p 2>/dev/null | grep -q libturbojpeg; then
  step "libturbojpeg found: jpeg4py will decode JPEGs"
elif [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  step "installing libturbojpeg0 with apt-get (for jpeg4py)"
  if ! (apt-get install -y -q libturbojpeg0 >/dev/null 2>&1 || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q libturbojpeg0 >/dev/null 2>&1)); then
    step "WARNING: apt-get could not install libturbojpeg0; images will be decoded with OpenCV (slower)"
  fi
else
  step "libturbojpeg is missing and this is not root: run 'sudo apt-get install libturbojpeg0' for fast JPEG decoding (OpenCV is used meanwhile)"
fi

# Test extra: a headless browser for the visdom page test (Debian's chromium). DCTRACK_NO_BROWSER=1 skips it.
if [ "${DCTRACK_NO_TEST_EXTRAS:-0}" != "1" ] && [ "${DCTRACK_NO_BROWSER:-0}" != "1" ]; then
  if command -v chromium >/dev/null || command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null; then
    step "headless browser found (visdom page test)"
  elif [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    step "installing chromium with apt-get (test extra: the visdom page test)"
    if ! (apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1 || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1)); then
      step "WARNING: apt-get could not install chromium; the visdom page test will skip"
    fi
  else
    step "no headless browser and not root: the visdom page test will skip ('sudo apt-get install chromium' to run it)"
  fi
fi

run_step "checking imports" "$PY" -c "import torch, numpy, cv2, scipy, visdom, tqdm, matplotlib; import ltr, pytracking, settings, common; print('torch', torch.__version__, '| cuda', torch.cuda.is_available())"
if ! "$PY" -m pip check --disable-pip-version-check >/dev/null 2>&1; then
  step "WARNING: pip check reports conflicts:"; "$PY" -m pip check --disable-pip-version-check || true
fi
step "done. Activate with: source .venv/bin/activate"
