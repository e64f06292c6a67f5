#!/usr/bin/env bash
# Install lessonlens from this checkout into ./.venv with everything its commands and tests use.
# Debian packages (browser for PDF reports, espeak-ng voices for the sample lesson, PostgreSQL and
# fonts for the tests) are installed when apt-get is available and we are root; LESSONLENS_NO_APT=1
# skips them. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  chromium chromium-driver poppler-utils  # PDF reports; report tests (real browser, PDF -> PNG)
  espeak-ng  # the synthetic sample lesson's voices (Mandarin: cmn-latn-pinyin); audio tests
  fonts-noto-cjk  # vision tests draw boards with CJK text
  postgresql  # store tests run on a real PostgreSQL server as well as SQLite
)
if [ "${LESSONLENS_NO_APT:-0}" != 1 ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}" >/dev/null
fi

python3 -m venv .venv
pip=(.venv/bin/pip install -q --disable-pip-version-check)
"${pip[@]}" -e '.[all,dev]'
# Silero VAD's ONNX model ships in the silero-vad wheel, whose metadata requires torch (GBs, unused
# here: lessonlens runs the model with onnxruntime), so that one package is installed without its deps.
"${pip[@]}" --no-deps 'silero-vad==6.2.3'
# rtmlib (the rtm extra: RTMO/RTMPose ONNX) requires opencv-python beside mediapipe's opencv-contrib-python;
# its code needs only numpy, opencv and onnxruntime, which are here already.
"${pip[@]}" --no-deps 'rtmlib==0.0.16'
echo "lessonlens installed in .venv: $(.venv/bin/lessonlens --version)"
