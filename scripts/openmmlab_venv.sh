#!/usr/bin/env bash
# A venv for lessonlens's mmpose and mmaction2 backends (docs/perception.md, "mmpose and mmaction2: the
# measured recipe"): torch 2.13 (CPU), mmcv 2.1.0 compiled from source with its ops (about 21 min on
# 2 cores), mmdet 3.3.0, mmpose 1.3.2, mmaction2 1.2.0, and lessonlens with its test tools.
#
#   bash scripts/openmmlab_venv.sh [VENV]            # default .venv-openmmlab
#   TORCH_INDEX=https://download.pytorch.org/whl/cpu bash scripts/openmmlab_venv.sh
#
# Then: PYTHONPATH=. VENV/bin/python -m pytest tests/plugins/detectors/test_detectors_student_pose_mmpose.py \
#           tests/plugins/detectors/test_detectors_student_actions_mmaction2.py
set -euo pipefail

VENV=${1:-.venv-openmmlab}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
INDEX=()
if [[ -n "${TORCH_INDEX:-}" ]]; then INDEX=(--index-url "$TORCH_INDEX"); fi
PY="$VENV/bin/python"
start=$(date +%s)

python3 -m venv "$VENV"
PINS=$(mktemp)
trap 'rm -f "$PINS"' EXIT
printf 'numpy==1.26.4\nopencv-python<4.12\nsetuptools>=77.0.3,<81\n' >"$PINS"
"$PY" -m pip install -q "${INDEX[@]}" torch==2.13.0  # the CPU build, before anything can pull another
"$PY" -m pip install -q -c "$PINS" numpy opencv-python setuptools wheel ninja mmengine==0.10.7 addict yapf
# mmcv's setup.py imports torch (so no build isolation) and pkg_resources (setuptools < 81)
MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS=${MAX_JOBS:-2} nice -n 19 \
    "$PY" -m pip install -q --no-build-isolation --no-deps mmcv==2.1.0
echo "mmcv built after $(( $(date +%s) - start )) s"
# mmpose requires chumpy, mmaction2 decord and opencv-contrib-python (a second cv2): not needed here
"$PY" -m pip install -q --no-deps mmdet==3.3.0 mmpose==1.3.2 mmaction2==1.2.0
"$PY" -m pip install -q -c "$PINS" scipy matplotlib pycocotools shapely six terminaltables tqdm json_tricks \
    munkres xtcocotools einops
"$PY" -m pip install -q --no-deps "${INDEX[@]}" torchvision==0.28.0
"$PY" -m pip install -q -c "$PINS" -e "$ROOT[audio,synth]" onnx pytest  # synth: the tests' scenes
"$PY" -m pip install -q --no-deps rtmlib==0.0.16

# Two fixes to the installed packages (docs/perception.md says why), each only where it is needed.
SITE=$("$PY" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
LOCALIZERS="$SITE/mmaction/models/localizers/__init__.py"
if [[ ! -d "$SITE/mmaction/models/localizers/drn" ]] && grep -q '^from .drn.drn import DRN$' "$LOCALIZERS"; then
    # mmaction2 1.2.0's wheel and sdist leave out localizers/drn/, which this file imports
    sed -i 's/^from .drn.drn import DRN$/try:  # mmaction2 1.2.0 as published leaves out drn\/\n    from .drn.drn import DRN\nexcept ImportError:\n    DRN = None/' \
        "$LOCALIZERS"
fi
if ! "$PY" -c "import torchvision" 2>/dev/null; then
    # a CUDA torchvision beside the CPU torch: its ops do not load, and 0.28 then fails on import
    sed -i 's/^@torch.library.register_fake("torchvision::\(q\?nms\)")$/@(torch.library.register_fake("torchvision::\1") if torchvision.extension._has_ops() else (lambda fn: fn))/' \
        "$SITE/torchvision/_meta_registrations.py"
fi
"$PY" -c "import mmcv.ops, mmdet, mmpose.apis, mmaction.models; print('mmcv', mmcv.__version__, 'ops ok')"
echo "done in $(( $(date +%s) - start )) s: $VENV"
