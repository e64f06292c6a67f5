"""board-ocr with ``backend=paddleocr``: PaddleOCR 3's real pipeline (PaddleX loading a local inference
directory, DB resize/normalise and box extraction, recognition resize, CTC decoding with the
dictionary in ``inference.yml``) on tiny PP-OCRv5-shaped models built with paddle
(``tests/support/paddle_models.py``), and one-line errors for missing and corrupt model directories.

paddleocr 3 needs numpy 2, so these tests run in an environment of their own
(``bash .ci/envs/paddleocr.sh``, docs/perception.md) and are skipped in the default one.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

pytest.importorskip("paddleocr", reason="paddleocr lives in its own environment: bash .ci/envs/paddleocr.sh")

from lessonlens.core.errors import InputError, PluginError
from lessonlens.core.extensions import DetectRequest
from lessonlens.core.lesson import LessonMeta, MediaSource
from lessonlens.core.observations import BoardTextObservation
from lessonlens.core.plugins import get_manager
from lessonlens.media.models import add_model
from lessonlens.plugins.detectors.board_paddle import paddleocr_reader
from tests.support import paddle_models
from tests.support.cli import run_here
from tests.support.vision_scenes import board_frame, cjk_font, write_video

KNOWN = "一元二次方程"  # what the tiny recogniser reads on every line
LINES = ("第二章 一元二次方程", "x² + 2x - 3 = 0", "因式分解 (x+3)(x-1)=0")


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("paddle")
    return (paddle_models.det_model(folder / "PP-OCRv5_mobile_det_infer"),
            paddle_models.rec_model(folder / "PP-OCRv5_mobile_rec_infer", KNOWN))


@pytest.fixture(scope="module")
def colour_rec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return paddle_models.colour_rec_model(tmp_path_factory.mktemp("paddle") / "PP-OCRv5_mobile_rec_infer")


def _options(models: tuple[Path, Path]) -> dict[str, str]:
    return {"paddle_det_model": str(models[0]), "paddle_rec_model": str(models[1])}


def chalk_board(lines: list[tuple[str, str]], text_px: int = 46) -> np.ndarray:  # type: ignore[type-arg]
    """A 1280x720 board like ``board_frame``'s, each line in a chalk colour of ``paddle_models.CHALK``."""
    image = Image.new("RGB", (1280, 720), (52, 78, 60))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(cjk_font()), text_px)
    for i, (text, colour) in enumerate(lines):
        draw.text((90, 70 + i * int(text_px * 1.7)), text, fill=paddle_models.CHALK[colour], font=font)
    return np.asarray(image, dtype=np.uint8).copy()


def _ink_rect(board: np.ndarray, line: int, text_px: int = 46) -> tuple[int, int, int, int]:  # type: ignore[type-arg]
    """The bounding box of the chalk of drawn line ``line`` (board_frame puts it at y = 70 + 1.7 px * line)."""
    top = 70 + line * int(text_px * 1.7) - 10
    ys, xs = np.nonzero(board[top:top + int(text_px * 1.7)].mean(axis=2) > paddle_models.LEVEL * 255)
    return int(xs.min()), int(ys.min()) + top, int(xs.max()) + 1, int(ys.max()) + 1 + top


def test_paddleocr_reads_each_drawn_line_where_it_is(models: tuple[Path, Path], colour_rec: Path) -> None:
    read = paddleocr_reader({"paddle_det_model": str(models[0]), "paddle_rec_model": str(colour_rec)}, "board-ocr",
                            threads=2)
    board = chalk_board(list(zip(LINES, ("粉", "白", "黄"), strict=True)))
    found = sorted(read(board), key=lambda line: line[1][1])
    # each line's own crop reached the recogniser: it reads that line's chalk colour
    assert [text for text, _, _ in found] == ["粉色", "白色", "黄色"]
    assert all(score > 0.95 for _, _, score in found)
    for index, (_, rect, _) in enumerate(found):
        ink = _ink_rect(board, index)
        # DB boxes hold the line's chalk, grown by DB's unclip ratio (1.5), no more
        assert rect[0] <= ink[0] and rect[1] <= ink[1] and rect[2] >= ink[2] and rect[3] >= ink[3]
        assert max(ink[0] - rect[0], ink[1] - rect[1], rect[2] - ink[2], rect[3] - ink[3]) < 45
    assert read(board_frame([])) == []  # a bare board: the map is low everywhere, no box
    # paddle 3.3.1's oneDNN cannot run the det's nearest upsample (as in PP-OCRv5's neck): it fell back
    assert read.onednn is False


def test_ctc_decoding_uses_the_dictionary_of_inference_yml(models: tuple[Path, Path]) -> None:
    read = paddleocr_reader(_options(models), "board-ocr", threads=2)
    assert [text for text, _, _ in read(board_frame(LINES[:2]))] == [KNOWN, KNOWN]


def test_board_ocr_runs_paddleocr_on_a_board_video_from_installed_models(
        tmp_path: Path, models_dir: Path, models: tuple[Path, Path], colour_rec: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    for folder, option in zip((models[0], colour_rec), ("paddle_det_model", "paddle_rec_model"), strict=True):
        code, out = run_here(capsys, monkeypatch, "models", "add", str(folder), "--as", f"board-ocr.{option}")
        assert code == 0, out
    assert (models_dir / "PP-OCRv5_server_det" / "inference.pdiparams").is_file()  # where the backend looks
    code, out = run_here(capsys, monkeypatch, "models", "--json")
    rows = [r for r in json.loads(out)["models"] if r["backend"] == "paddleocr"]
    assert len(rows) == 2 and all(r["present"] and r["installed"] and len(r["sha256"]) == 64 for r in rows)
    lines = [(LINES[0], "白"), (LINES[1], "粉")]
    video = write_video(tmp_path / "board.mp4", [chalk_board(lines[:1]), chalk_board(lines)])
    request = DetectRequest(lesson=LessonMeta(id="p"), media=(MediaSource(str(video), "board"),),
                            instants=(0.0, 6.0, 9.0), options={"backend": "paddleocr"}, threads=2)
    found = [o for o in get_manager().detector("board-ocr").detect(request) if isinstance(o, BoardTextObservation)]
    assert [o.t for o in found] == [0.0, 6.0]  # read where the board changed only
    assert [o.text for o in found] == ["白色", "白色\n粉色"]  # through H.264 and the changed region's crop
    assert [o.added_chars for o in found] == [0, 2]
    second = found[1].box  # the region read: the new line, widened to the whole line above it that it touches
    assert second is not None and 0.04 < second.y < 0.12 and 0.28 < second.y + second.h < 0.4


def test_missing_model_directories_name_the_fixing_command(tmp_path: Path, models_dir: Path) -> None:
    with pytest.raises(PluginError) as error:
        paddleocr_reader({}, "board-ocr")
    message = error.value.message("en")
    assert "PP-OCRv5_server_det" in message and "lessonlens models add" in message and "\n" not in message
    with pytest.raises(PluginError, match="does not exist") as error:
        paddleocr_reader({"paddle_det_model": str(tmp_path / "nowhere"), "paddle_rec_model": str(tmp_path)},
                         "board-ocr")
    assert str(tmp_path / "nowhere") in error.value.message("en")


def _truncate_params(folder: Path) -> None:
    data = (folder / "inference.pdiparams").read_bytes()
    (folder / "inference.pdiparams").write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize(("spoil", "why"), [
    (_truncate_params, "inference.pdiparams"),
    (lambda d: (d / "inference.json").write_text("garbage", encoding="utf-8"), "inference.json"),
    (lambda d: (d / "inference.json").unlink(), "no inference.json"),
    (lambda d: (d / "inference.yml").write_text("Global: {}\n", encoding="utf-8"), "model_name"),
    (lambda d: (d / "inference.pdiparams").unlink(), "no inference.pdiparams"),
])
def test_a_corrupt_model_directory_is_one_line_naming_it(tmp_path: Path, models_dir: Path,
                                                         models: tuple[Path, Path], spoil: object, why: str) -> None:
    det = shutil.copytree(models[0], tmp_path / "PP-OCRv5_mobile_det_infer")
    spoil(det)  # type: ignore[operator]
    with pytest.raises(PluginError) as error:
        paddleocr_reader({"paddle_det_model": str(det), "paddle_rec_model": str(models[1])}, "board-ocr")
    message = error.value.message("en")
    assert message.startswith(str(det)) and why in message and "lessonlens models add" in message
    assert "\n" not in message
    detectors = [reg.item for reg in get_manager().registry.detectors.values()]
    with pytest.raises(InputError, match="does not load"):  # and models add refuses it (exit code 2)
        add_model(det, detectors, "board-ocr.paddle_det_model")
    assert not (models_dir / "PP-OCRv5_server_det").exists()


def test_a_model_name_paddlex_does_not_know_is_one_line(tmp_path: Path, models_dir: Path,
                                                       models: tuple[Path, Path]) -> None:
    det = shutil.copytree(models[0], tmp_path / "board_det")
    config = (det / "inference.yml").read_text(encoding="utf-8")
    (det / "inference.yml").write_text(config.replace("PP-OCRv5_mobile_det", "MyBoard_det"), encoding="utf-8")
    with pytest.raises(PluginError) as error:
        paddleocr_reader({"paddle_det_model": str(det), "paddle_rec_model": str(models[1])}, "board-ocr")
    message = error.value.message("en")
    assert str(det) in message and "\n" not in message


def test_a_recognition_directory_given_as_the_detection_one_is_one_line(models_dir: Path,
                                                                        models: tuple[Path, Path]) -> None:
    with pytest.raises(PluginError) as error:
        paddleocr_reader({"paddle_det_model": str(models[1]), "paddle_rec_model": str(models[1])}, "board-ocr")
    message = error.value.message("en")
    assert message.startswith(str(models[1])) and "not a text detection model" in message and "\n" not in message


def test_a_dictionary_shorter_than_the_network_fails_in_one_line(tmp_path: Path, models_dir: Path,
                                                                 models: tuple[Path, Path]) -> None:
    """The wrong inference.yml beside a recognition network loads, then fails on the first picture."""
    rec = shutil.copytree(models[1], tmp_path / "PP-OCRv5_mobile_rec_infer")
    paddle_models.write_config(rec, paddle_models.rec_config(dictionary=["一"]))
    read = paddleocr_reader({"paddle_det_model": str(models[0]), "paddle_rec_model": str(rec)}, "board-ocr")
    with pytest.raises(PluginError) as error:
        read(board_frame(LINES[:1]))
    assert error.value.path == f"{models[0]}, {rec}"  # the line names both directories (shortened when long)
    message = error.value.message("en")
    assert "list index out of range" in message and "PaddleOCR 3 exports" in message and "\n" not in message
