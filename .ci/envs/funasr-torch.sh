#!/usr/bin/env bash
# CI environment of its own: funasr's AutoModel (the asr detector's backend=funasr-torch).
# funasr needs torch and pulls transformers, modelscope and hydra (omegaconf held below 2.4), so it is
# not part of .venv's "all"; this builds .venv-funasr-torch from scratch with only what its tests need
# and runs them. It exits non-zero when they fail or when any of them skips (a missing piece would
# otherwise pass as a skip). Run locally: bash .ci/envs/funasr-torch.sh (docs/perception.md).
set -euo pipefail
cd "$(dirname "$0")/../.."

venv=.venv-funasr-torch
tests=(tests/plugins/detectors/test_audio_funasr_automodel.py)
rm -rf "$venv"
python3 -m venv "$venv"
pip=("$venv/bin/pip" install -q --disable-pip-version-check)
# torch first and pinned on every install line: the CPU build (a plain torch requirement pulls GBs of CUDA)
"${pip[@]}" 'torch==2.13.0'
"${pip[@]}" -e '.[funasr-torch,audio]' 'torch==2.13.0' 'pytest>=8'
# Silero VAD's ONNX model ships in the silero-vad wheel; as in scripts/install.sh it goes in without its
# deps (torch is here already, and pip must not touch it)
"${pip[@]}" --no-deps 'silero-vad==6.2.3'
"$venv/bin/python" -c 'import funasr, torch; print("funasr", funasr.__version__, "torch", torch.__version__)'

# a skip is a failure here (pytest runs with -ra: the summary names each skip and why)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$venv/bin/python" -m pytest -q -p no:cacheprovider "${tests[@]}" | tee "$log"
if grep -Eq '[0-9]+ (skipped|xfailed|deselected)' "$log"; then
  echo "funasr-torch: some tests skipped in $venv, which must run them all" >&2
  exit 1
fi
