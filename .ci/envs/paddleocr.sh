#!/usr/bin/env bash
# PaddleOCR 3 (board-ocr backend=paddleocr) in an environment of its own: paddleocr/paddlex need numpy 2,
# which mediapipe 0.10.21 in .venv cannot load. Builds .venv-paddleocr from scratch with lessonlens's
# paddleocr extra (no vision extra) and the few test dependencies, then runs the PaddleOCR tests.
# Fails when a test fails OR is skipped (a skip here would mean the backend never ran).
set -euo pipefail
cd "$(dirname "$0")/../.."

VENV=.venv-paddleocr
rm -rf "$VENV"
python3 -m venv "$VENV"
# pinned: the versions the tests were written and measured against (paddlepaddle's CPU wheel, ~195 MB)
"$VENV/bin/pip" install -q --disable-pip-version-check -e '.[paddleocr]' \
  'paddleocr==3.7.0' 'paddlex==3.7.2' 'paddlepaddle==3.3.1' \
  'pytest>=8' 'Pillow>=10' 'scikit-image>=0.22'  # the tests draw boards (tests/support/vision_scenes.py)

reports="$(mktemp -d)"
trap 'rm -rf "$reports"' EXIT
report="$reports/paddleocr.xml"
PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK=True "$VENV/bin/python" -m pytest -p no:cacheprovider \
  --junitxml="$report" tests/plugins/detectors/test_detectors_board_paddle.py
"$VENV/bin/python" - "$report" <<'EOF'
import sys
import xml.etree.ElementTree as ET

suites = ET.parse(sys.argv[1]).getroot().iter("testsuite")
tests = skipped = 0
for suite in suites:
    tests += int(suite.get("tests", 0))
    skipped += int(suite.get("skipped", 0))
if tests == 0 or skipped:
    sys.exit(f"paddleocr environment: {skipped} of {tests} tests skipped; every PaddleOCR test must run here")
print(f"paddleocr environment: {tests} tests ran, none skipped")
EOF
