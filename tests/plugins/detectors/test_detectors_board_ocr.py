"""board-ocr on boards drawn with CJK and Latin text (Pillow, Noto Sans CJK), read only when they change."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("rapidocr")

from lessonlens.core.errors import PluginError
from lessonlens.core.extensions import DetectRequest
from lessonlens.core.lesson import LessonMeta, MediaSource
from lessonlens.core.observations import BoardTextObservation
from lessonlens.core.plugins import get_manager
from lessonlens.plugins.detectors import board_ocr
from tests.support.vision_scenes import W, board_frame, teacher_frame, write_video

LINES = ("第二章 一元二次方程", "x² + 2x - 3 = 0", "因式分解 (x+3)(x-1)=0", "Answer: x = 1 or x = -3")


@pytest.fixture(scope="module")
def read() -> board_ocr.Reader:
    return board_ocr.rapidocr_reader()


class CountingReader:
    def __init__(self, read: board_ocr.Reader) -> None:
        self.read, self.calls, self.pixels = read, 0, 0

    def __call__(self, image: np.ndarray) -> list[tuple[str, board_ocr.Rect, float]]:  # type: ignore[type-arg]
        self.calls += 1
        self.pixels += image.shape[0] * image.shape[1]
        return self.read(image)


def test_progressive_writing_counts_added_characters(read: board_ocr.Reader) -> None:
    counting = CountingReader(read)
    boards = [board_frame(LINES[:k]) for k in (1, 1, 2, 2, 3, 4, 4)]
    reader = board_ocr.BoardReader(counting, min_gap=0)  # read at every change
    found = list(board_ocr.read_board(((i * 6.0, b) for i, b in enumerate(boards)), reader))
    assert [o.t for o in found] == [0.0, 12.0, 24.0, 30.0]  # OCR only where the board changed
    assert counting.calls == 4
    assert counting.pixels < 2.2 * boards[0].shape[0] * boards[0].shape[1]  # later readings: the new line only
    assert "一元二次方程" in found[0].text and found[0].added_chars == 0  # on the board before the lesson
    added = [o.added_chars for o in found]
    assert abs(added[1] - len("x²+2x-3=0")) <= 3
    assert abs(added[3] - len("Answer:x=1orx=-3")) <= 4
    final = found[-1].text.replace(" ", "")
    assert "因式分解" in final and "Answer" in final and final.count("\n") == 3
    assert all(0 <= o.box.y < 1 and o.box.h > 0 for o in found if o.box)


def test_hiding_and_showing_text_is_not_writing(read: board_ocr.Reader) -> None:
    full = board_frame(LINES[:2])
    hidden = full.copy()
    hidden[40:260, 60:700] = (150, 140, 120)  # someone standing in front of the board
    found = list(board_ocr.read_board([(0.0, full), (6.0, hidden), (12.0, full)], board_ocr.BoardReader(read)))
    assert [o.t for o in found] == [0.0, 6.0, 12.0]
    assert found[1].added_chars == 0 and found[2].added_chars == 0
    assert "一元二次方程" in found[2].text


def test_writing_between_readings_is_estimated_from_ink(read: board_ocr.Reader) -> None:
    line = "分母不变，分子相加 a/c + b/c = (a+b)/c"
    counting = CountingReader(read)
    steps = [board_frame([LINES[0], line[:k]]) for k in (0, 6, 12, 18, 24, len(line), len(line))]
    reader = board_ocr.BoardReader(counting, min_gap=18.0)
    found = list(board_ocr.read_board(((i * 6.0, b) for i, b in enumerate(steps)), reader))
    assert counting.calls < len(found)  # some instants estimated, not read
    assert any(o.confidence == 0.5 for o in found)
    written = sum(o.added_chars for o in found if o.t > 0)
    assert abs(written - len(line.replace(" ", ""))) <= 4
    assert all(o.added_chars > 0 for o in found if 0 < o.t < 36)


def test_a_wiped_board_starts_a_new_page(read: board_ocr.Reader) -> None:
    blank = board_frame([])
    found = list(board_ocr.read_board([(0.0, board_frame(LINES[:2])), (6.0, blank), (12.0, board_frame(LINES[:1]))],
                                      board_ocr.BoardReader(read)))
    assert found[-1].added_chars >= 8  # the same title written again on a new page counts


def test_detect_reads_the_board_zone_of_the_teacher_camera(tmp_path: Path) -> None:
    frames = []
    for k in (1, 2):
        frame = teacher_frame("lecturing", 0.85)
        board = board_frame(LINES[:k], size=(int(0.8 * W), 288), text_px=30)
        frame[36:36 + 288, 128:128 + board.shape[1]] = board
        frames.append(frame)
    video = write_video(tmp_path / "teacher.mp4", frames)
    request = DetectRequest(lesson=LessonMeta(id="b"), media=(MediaSource(str(video), "teacher"),),
                            instants=(0.0, 6.0, 9.0))
    found = [o for o in get_manager().detector("board-ocr").detect(request) if isinstance(o, BoardTextObservation)]
    assert [o.t for o in found] == [0.0, 6.0]
    assert "一元二次方程" in found[0].text.replace(" ", "") and found[1].added_chars >= 6


def test_missing_model_file(tmp_path: Path) -> None:
    with pytest.raises(PluginError, match=r"det\.onnx"):
        board_ocr.rapidocr_reader(det_model=str(tmp_path / "det.onnx"))
