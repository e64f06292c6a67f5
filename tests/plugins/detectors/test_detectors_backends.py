"""Swapping models: every detector backend is listed with how to install it, optional engines that
cannot share the default environment fail in one line naming the recipe, and model directories
install through ``lessonlens models add``."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from lessonlens.core.errors import InputError, PluginError
from lessonlens.core.extensions import DetectRequest
from lessonlens.core.lesson import LessonMeta, MediaSource
from lessonlens.core.plugins import get_manager
from lessonlens.media.models import add_model, model_statuses


def test_plugins_lists_each_backend_and_the_separate_paddle_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from lessonlens.cli.plugins_cmd import backend_rows

    monkeypatch.setenv("LESSONLENS_LANG", "en")
    rows = {(r["detector"], r["backend"]): r for r in backend_rows()}
    assert {("asr", "whisper"), ("asr", "funasr"), ("board-ocr", "rapidocr"), ("board-ocr", "paddleocr"),
            ("student-pose", "rtmo"), ("student-pose", "rtmpose"), ("student-pose", "mmpose"),
            ("student-pose", "mediapipe"), ("asr", "funasr-torch"), ("student-actions", "mmaction2")} <= set(rows)
    paddle = rows[("board-ocr", "paddleocr")]
    assert "numpy 2" in str(paddle["note"]) and "venv" in str(paddle["install"])
    assert rows[("board-ocr", "rapidocr")]["default"] is True
    assert "not part of all" in str(rows[("asr", "funasr-torch")]["note"])
    assert "mmcv" in str(rows[("student-actions", "mmaction2")]["install"])


def test_paddleocr_engine_without_paddle_names_the_separate_environment(tmp_path: Path, models_dir: Path) -> None:
    if importlib.util.find_spec("paddleocr") is not None:
        pytest.skip("paddleocr is installed here")
    from tests.support.vision_scenes import write_video

    video = write_video(tmp_path / "board.mp4", [np.full((360, 640, 3), 40, np.uint8)], hold=2.0)
    request = DetectRequest(lesson=LessonMeta(id="t"), media=(MediaSource(str(video), "board"),), instants=(0.0,),
                            options={"backend": "paddleocr"})
    with pytest.raises(PluginError) as error:
        list(get_manager().detector("board-ocr").detect(request))
    message = error.value.message("en")
    assert "paddleocr" in message and "separate environment" in message and "\n" not in message


def test_models_add_installs_a_model_directory_after_checking_it(tmp_path: Path, models_dir: Path) -> None:
    pytest.importorskip("onnx")
    from tests.support import onnx_models

    detectors = [reg.item for reg in get_manager().registry.detectors.values()]
    source = tmp_path / "speech_paraformer-onnx"
    source.mkdir()
    with pytest.raises(InputError, match="does not load"):  # no config.yaml / am.mvn yet
        add_model(source, detectors, "asr.funasr_model")
    onnx_models.paraformer(source / "model.onnx", [3], 5)
    (source / "config.yaml").write_text("frontend_conf: {}\nmodel_conf: {}\n", encoding="utf-8")
    (source / "am.mvn").write_text("<Nnet>\n</Nnet>\n", encoding="utf-8")
    (source / "tokens.json").write_text(json.dumps(["<blank>", "<s>", "</s>", "好", "<unk>"]), encoding="utf-8")
    installed = add_model(source, detectors, "asr.funasr")
    assert installed == models_dir / "paraformer-zh-onnx" and (installed / "model.onnx").is_file()
    again = add_model(source, detectors, "asr.funasr")  # replacing an installed directory
    assert sorted(p.name for p in again.iterdir()) == ["am.mvn", "config.yaml", "model.onnx", "tokens.json"]
    row = next(r for r in model_statuses(detectors) if r.detector == "asr" and r.backend == "funasr")
    assert row.present and row.size and len(row.sha256) == 64
    with pytest.raises(InputError, match=r"DETECTOR\.OPTION"):
        add_model(source, detectors, "funasr")


def test_the_cache_key_follows_the_backend_and_its_model_file(tmp_path: Path, models_dir: Path) -> None:
    """A swap re-runs only the swapped detector: its key changes with the backend option and when its
    model file is replaced on disk; the other detectors' keys do not move."""
    from lessonlens.perception.cache import cache_key

    video = tmp_path / "students.mp4"
    video.write_bytes(b"\0" * 1000)
    media = (MediaSource(str(video), "students"),)
    pose, faces = get_manager().detector("student-pose"), get_manager().detector("student-faces")
    default = cache_key(pose, media, (0.0, 6.0), {})
    model = models_dir / "rtmo-body7-640x640.onnx"
    model.write_bytes(b"first")
    rtmo = cache_key(pose, media, (0.0, 6.0), {"backend": "rtmo"})
    assert rtmo != default
    assert cache_key(pose, media, (0.0, 6.0), {"backend": "rtmo"}) == rtmo
    model.write_bytes(b"second, replaced")
    assert cache_key(pose, media, (0.0, 6.0), {"backend": "rtmo"}) != rtmo
    assert cache_key(faces, media, (0.0, 6.0), {}) == cache_key(faces, media, (0.0, 6.0), {})


def test_paddle_model_directories_are_named_as_their_inference_yml_says(tmp_path: Path) -> None:
    from lessonlens.plugins.detectors.board_paddle import model_name

    exported = tmp_path / "PP-OCRv5_mobile_det_infer"  # PaddleOCR's downloads are named like this
    exported.mkdir()
    (exported / "inference.yml").write_text("Global:\n  model_name: PP-OCRv5_mobile_det\nPreProcess: {}\n",
                                            encoding="utf-8")
    assert model_name(exported) == "PP-OCRv5_mobile_det"
    (exported / "inference.yml").write_text("not: [valid", encoding="utf-8")
    assert model_name(exported) == "PP-OCRv5_mobile_det_infer"


def test_models_add_refuses_an_incomplete_paddle_directory_anywhere(tmp_path: Path, models_dir: Path) -> None:
    """Without paddle (this environment) the directory's layout is still checked; where paddle is
    installed its files are also loaded (tests/plugins/detectors/test_detectors_board_paddle.py)."""
    detectors = [reg.item for reg in get_manager().registry.detectors.values()]
    source = tmp_path / "PP-OCRv5_mobile_det_infer"
    source.mkdir()
    (source / "inference.pdiparams").write_bytes(b"\0" * 64)
    (source / "inference.yml").write_text("Global:\n  model_name: PP-OCRv5_mobile_det\nPreProcess: {}\n"
                                          "PostProcess: {name: DBPostProcess}\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"no inference\.json"):
        add_model(source, detectors, "board-ocr.paddle_det_model")
    (source / "inference.json").write_text("{}", encoding="utf-8")
    (source / "inference.yml").write_text("Global: {}\n", encoding="utf-8")
    with pytest.raises(InputError, match="model_name"):
        add_model(source, detectors, "board-ocr.paddle_det_model")
    assert not (models_dir / "PP-OCRv5_server_det").exists()


@pytest.mark.parametrize("models_env", ["short", "long"])
def test_every_missing_model_error_is_whole_and_ends_with_the_command_that_installs_it(
        tmp_path: Path, models_dir: Path, monkeypatch: pytest.MonkeyPatch, models_env: str) -> None:
    """For each backend's each model file: one line (in both languages) naming the file and where it
    was looked for, uncut, ending with the ``models add --as`` command, and that command's target
    installs it; a models folder with a very long path cuts the line in the middle, never the command."""
    from lessonlens.core.errors import MAX_LINE
    from lessonlens.media.models import require_model

    if models_env == "long":  # a models folder with a long path: the line must still hold the command
        monkeypatch.setenv("LESSONLENS_MODELS", str(tmp_path / ("a-school-shared-drive-" * 3) / "models"))
    detectors = [reg.item for reg in get_manager().registry.detectors.values()]
    specs = [(d, b, s) for d in detectors for b in d.backends for s in b.models]
    assert len(specs) >= 15
    for detector, backend, spec in specs:
        with pytest.raises(PluginError) as missing:
            require_model(detector.name, backend, spec, {})
        target = f"{detector.name}.{backend.name}.{spec.option}"
        for lang in ("en", "zh-CN"):
            line = missing.value.message(lang)
            assert len(line) <= MAX_LINE and "\n" not in line, line
            assert line.endswith(f"--as {target}"), line  # even a line cut in the middle keeps the command
            if models_env == "short":
                assert "…" not in line and spec.filename in line and str(models_dir) in line, line
        fake = tmp_path / "downloaded.bin"
        fake.write_bytes(b"x")
        if spec.kind == "file":  # any file: installed under the name the backend looks for
            assert add_model(fake, detectors, target, tmp_path / "installed").name == spec.filename
        else:  # understood (no "say which with --as"), then refused because it does not load
            with pytest.raises(InputError) as refused:
                add_model(fake, detectors, target, tmp_path / "installed")
            assert "--as" not in refused.value.message("en")
