"""The three cameras of the synthetic classroom, drawn from real photographs shipped in scikit-image.

- teacher camera (from the back of the room): a real person (scikit-image's astronaut photo, cut
  out) at the podium, writing at the board (seen from behind, arm raised), or walking the aisles
  between the desks (nearer the camera, so larger and lower in the frame);
- student camera (from the front): 5 rows x 8 real faces (scikit-image's ``lfw_subset``) on
  bodies at desks, who raise a hand, stand to answer, look down at a book or turn to a neighbour;
- board camera: CJK and Latin text appearing stroke by stroke as the teacher writes.

Frames only change when the plan does, so each camera caches its last frame by state.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.resources
import math
from pathlib import Path

import numpy as np
import numpy.typing as npt

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.synth.plan import COLS, ROWS, LessonPlan

Image = npt.NDArray[np.uint8]
W, H = 1280, 720

#: Room layout in frame fractions (x0, y0, x1, y1) of the teacher camera; written to plan.json.
BOARD_ZONE = (0.23, 0.09, 0.77, 0.46)
PODIUM_ZONE = (0.08, 0.25, 0.40, 0.85)

_NO_FONT = Text(
    zh="找不到中文字体：请安装 fonts-noto-cjk（apt-get install fonts-noto-cjk）或 Python 包 justmytype-intl-cjk",
    en="no CJK font found: install fonts-noto-cjk (apt-get install fonts-noto-cjk) or the justmytype-intl-cjk package",
)
_FONTS_PACKAGED = ("justmytype_intl_cjk", "fonts/ofl/notosanssc/NotoSansSC[wght].ttf")
_FONTS_SYSTEM = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)

BOARD_PAGES: tuple[tuple[str, ...], ...] = (
    ("同分母分数的加法  Adding fractions", "1/3 + 1/3 = 2/3", "分母不变，分子相加。", "a/c + b/c = (a+b)/c"),
    ("例题 Example: 2/5 + 1/5 = 3/5", "练习一 Practice: 3/7 + 2/7 = ?", "想一想：为什么分母不变？",
     "Homework: p.45 1-3"),
)


def cjk_font_path() -> Path:
    package, relative = _FONTS_PACKAGED
    try:
        packaged = Path(str(importlib.resources.files(package).joinpath(relative)))
        if packaged.is_file():
            return packaged
    except ModuleNotFoundError:
        pass
    for candidate in _FONTS_SYSTEM:
        if Path(candidate).is_file():
            return Path(candidate)
    raise InputError(_NO_FONT)


@functools.cache
def _font(size: int) -> object:
    from PIL import ImageFont

    path = cjk_font_path()
    index = 2 if path.suffix == ".ttc" and "Noto" in path.name else 0  # the SC face of Noto's collection
    font = ImageFont.truetype(str(path), size, index=index)
    # a variable font starts at its thinnest; chalk strokes are nearer medium (OSError: not variable)
    with contextlib.suppress(OSError, ValueError):
        font.set_variation_by_axes([500])
    return font


def _resize(image: Image, width: int, height: int) -> Image:
    from PIL import Image as PILImage

    return np.asarray(PILImage.fromarray(image).resize((max(1, width), max(1, height)), PILImage.Resampling.BILINEAR))


def _paste(frame: Image, sprite: Image, mask: npt.NDArray[np.bool_] | None, x: int, y: int) -> None:
    """Paste ``sprite`` with its top-left at (x, y), clipped to the frame."""
    h, w = sprite.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(frame.shape[1], x + w), min(frame.shape[0], y + h)
    if x0 >= x1 or y0 >= y1:
        return
    part = sprite[y0 - y: y1 - y, x0 - x: x1 - x]
    if mask is None:
        frame[y0:y1, x0:x1] = part
    else:
        np.copyto(frame[y0:y1, x0:x1], part, where=mask[y0 - y: y1 - y, x0 - x: x1 - x, None])


def _rect(frame: Image, x0: float, y0: float, x1: float, y1: float, colour: tuple[int, int, int]) -> None:
    h, w = frame.shape[:2]
    a, b = max(0, int(y0)), min(h, int(y1))
    c, d = max(0, int(x0)), min(w, int(x1))
    if a < b and c < d:
        frame[a:b, c:d] = colour


def _ellipse_mask(h: int, w: int) -> npt.NDArray[np.bool_]:
    yy, xx = np.mgrid[0:h, 0:w]
    inside: npt.NDArray[np.bool_] = ((xx - (w - 1) / 2) / (w / 2)) ** 2 + ((yy - (h - 1) / 2) / (h / 2)) ** 2 <= 1.0
    return inside


# --- board -------------------------------------------------------------------------------------
class BoardCamera:
    """The board with the text written so far; a page is wiped when the second board phase begins."""

    def __init__(self, plan: LessonPlan) -> None:
        self.boards = [p for p in plan.phases if p.name == "board"]
        self._cache: tuple[tuple[int, int], Image] | None = None
        self._blank = np.empty((H, W, 3), dtype=np.uint8)
        self._blank[:] = (34, 72, 52)
        self._blank[:14], self._blank[-14:], self._blank[:, :14], self._blank[:, -14:] = [(120, 85, 50)] * 4

    def written(self, t: float) -> tuple[int, int]:
        """(page, characters visible) at ``t``."""
        page, chars = 0, 0
        for i, phase in enumerate(self.boards):
            if t < phase.start:
                break
            page = min(i, len(BOARD_PAGES) - 1)
            total = sum(len(line) for line in BOARD_PAGES[page])
            chars = min(total, int(total * (t - phase.start) / (0.85 * (phase.end - phase.start))))
        return page, chars

    def frame(self, t: float) -> Image:
        key = self.written(t)
        if self._cache is None or self._cache[0] != key:
            self._cache = (key, self._draw(*key))
        return self._cache[1]

    def _draw(self, page: int, chars: int) -> Image:
        from PIL import Image as PILImage
        from PIL import ImageDraw

        image = PILImage.fromarray(self._blank.copy())
        draw = ImageDraw.Draw(image)
        left = chars
        for row, line in enumerate(BOARD_PAGES[page]):
            if left <= 0:
                break
            draw.text((70, 60 + row * 150), line[:left], font=_font(64), fill=(235, 235, 225))  # type: ignore[arg-type]
            left -= len(line)
        return np.asarray(image)


# --- teacher -----------------------------------------------------------------------------------
@functools.cache
def _teacher_sprite() -> tuple[Image, npt.NDArray[np.bool_]]:
    """The astronaut photo's person, cut out: head ellipse plus suit, without flag and shuttle."""
    from skimage import data

    photo = np.asarray(data.astronaut())[:, 10:370]  # type: ignore[no-untyped-call]
    h, w = photo.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    head = ((xx - 215) / 80) ** 2 + ((yy - 100) / 98) ** 2 <= 1
    left = np.interp(yy, [150, 300], [110, 10])
    right = np.interp(yy, [150, 300], [310, 355])
    torso = (yy >= 150) & (xx >= left) & (xx <= right)
    return photo, head | torso


@functools.cache
def _teacher_scaled(height: int, back: bool) -> tuple[Image, npt.NDArray[np.bool_]]:
    photo, mask = _teacher_sprite()
    if back:  # seen from behind: mirrored, the face covered by the hair's colour
        photo = photo[:, ::-1].copy()
        mask = mask[:, ::-1]
        h, w = photo.shape[:2]
        yy, xx = np.mgrid[0:h, 0:w]
        face = ((xx - (w - 215)) / 80) ** 2 + ((yy - 105) / 95) ** 2 <= 1
        photo[face] = (96, 64, 38)
    width = round(height * photo.shape[1] / photo.shape[0])
    scaled = _resize(photo, width, height)
    scaled_mask = _resize(mask.astype(np.uint8) * np.uint8(255), width, height) > 127
    return scaled, scaled_mask


def teacher_place(plan: LessonPlan, t: float) -> tuple[float, float, int, bool, bool]:
    """(centre x, top y, height px, seen from behind, arm raised) of the teacher at ``t``.

    Positions change a few times a second, not every frame: a classroom camera's picture holds
    still between steps, and each new picture costs a colour conversion when encoding.
    """
    phase = plan.phase_at(t)
    if phase.name in ("discussion", "practice"):
        # up and down the aisles: across the room and towards the camera and back
        u = (round(t * 5) / 5 - phase.start) / 50.0
        return 640 + 420 * math.sin(2 * math.pi * u), 250 + 60 * math.sin(math.pi * u), 600, False, False
    slow = round(t * 2) / 2
    if phase.name == "board":
        return 640 + 170 * math.sin(slow / 9), 150, 380, True, True
    if phase.name == "questioning":
        return 420 + 30 * math.sin(slow / 4), 200, 420, False, False
    return 235 + 25 * math.sin(slow / 6), 190, 420, False, False


class TeacherCamera:
    def __init__(self, plan: LessonPlan, board: BoardCamera) -> None:
        self.plan = plan
        self.board = board
        self._room = self._draw_room()
        self._cache: tuple[tuple[object, ...], Image] | None = None
        self._backdrop: tuple[tuple[object, ...], Image] | None = None

    @staticmethod
    def _draw_room() -> Image:
        room = np.empty((H, W, 3), dtype=np.uint8)
        room[:] = np.linspace(225, 200, H, dtype=np.uint8)[:, None, None] * np.array([1.0, 0.96, 0.86])
        room[470:] = (150, 132, 112)  # floor
        return room

    def frame(self, t: float) -> Image:
        x, y, height, back, arm = teacher_place(self.plan, t)
        board_key = self.board.written(t)
        key = (round(x), round(y), height, back, arm, board_key)
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        patrolling = self.plan.phase_at(t).name in ("discussion", "practice")
        frame = self._backdrop_at(t, board_key, patrolling).copy()
        sprite, mask = _teacher_scaled(height, back)
        left = round(x - sprite.shape[1] / 2)
        _paste(frame, sprite, mask, left, round(y))
        if arm:  # the writing arm, raised to the board
            _rect(frame, x + 0.28 * sprite.shape[1], y - 40, x + 0.28 * sprite.shape[1] + 34, y + 0.45 * height,
                  (222, 96, 40))
            _rect(frame, x + 0.28 * sprite.shape[1], y - 70, x + 0.28 * sprite.shape[1] + 34, y - 40, (232, 190, 160))
        if not patrolling and not back:
            _rect(frame, PODIUM_ZONE[0] * W + 20, 470, PODIUM_ZONE[0] * W + 250, 640, (120, 78, 44))  # podium
        if patrolling:
            self._desks(frame, nearest=True)
        self._cache = (key, frame)
        return frame

    def _backdrop_at(self, t: float, board_key: tuple[int, int], patrolling: bool) -> Image:
        """The room with the board's writing (and the desks behind the teacher), without the teacher."""
        key = (board_key, patrolling)
        if self._backdrop is None or self._backdrop[0] != key:
            frame = self._room.copy()
            bx0, by0, bx1, by1 = (int(BOARD_ZONE[0] * W), int(BOARD_ZONE[1] * H), int(BOARD_ZONE[2] * W),
                                  int(BOARD_ZONE[3] * H))
            frame[by0:by1, bx0:bx1] = _resize(self.board.frame(t), bx1 - bx0, by1 - by0)
            if not patrolling:
                self._desks(frame)
            self._backdrop = (key, frame)
        return self._backdrop[1]

    @staticmethod
    def _desks(frame: Image, nearest: bool = False) -> None:
        rows = ((560, 30, (150, 105, 62)), (620, 36, (140, 98, 58)), (690, 44, (130, 90, 54)))
        for top, height, colour in rows[2:] if nearest else rows:
            for x0 in range(40, W, 300):
                _rect(frame, x0, top, x0 + 220, top + height, colour)


# --- students ----------------------------------------------------------------------------------
@functools.cache
def _faces() -> npt.NDArray[np.float64]:
    from skimage import data

    return np.asarray(data.lfw_subset())[:100]  # type: ignore[no-untyped-call]  # the first 100 are faces, the rest are not


@functools.cache
def _face(student: int, size: int, turn: int) -> Image:
    """Student ``student``'s face, ``size`` px, skin-tinted; ``turn`` -1/+1 shows it turned left/right."""
    grey = _faces()[(student * 37) % 100]
    rgb = np.clip(grey[..., None] * np.array([255, 214, 180]) * 1.1, 0, 255).astype(np.uint8)
    face = _resize(rgb, size, size)
    if turn:
        squeezed = _resize(rgb, max(2, int(size * 0.62)), size)
        face = np.empty_like(face)
        face[:] = (70, 50, 36)  # hair on the side turned away
        at = size - squeezed.shape[1] if turn > 0 else 0
        face[:, at: at + squeezed.shape[1]] = squeezed
    return face


_SHIRTS = ((40, 70, 150), (200, 200, 205), (30, 110, 80), (160, 40, 50), (230, 230, 235))


class StudentCamera:
    def __init__(self, plan: LessonPlan) -> None:
        self.plan = plan
        self._room = np.empty((H, W, 3), dtype=np.uint8)
        self._room[:] = np.linspace(200, 225, H, dtype=np.uint8)[:, None, None] * np.array([0.92, 0.95, 1.0])
        self._cache: tuple[tuple[str, ...], Image] | None = None

    def frame(self, t: float) -> Image:
        states = self.plan.student_states(t)
        if self._cache is not None and self._cache[0] == states:
            return self._cache[1]
        frame = self._room.copy()
        for row in range(ROWS):
            for col in range(COLS):
                index = row * COLS + col
                self._student(frame, index, row, col, states[index])
        self._cache = (states, frame)
        return frame

    @staticmethod
    def _student(frame: Image, index: int, row: int, col: int, state: str) -> None:
        size = 40 + 9 * row
        cx = 80 + 160 * col
        desk = 200 + 118 * row
        lift = int(0.9 * size) if state == "answering" else 0
        shirt = _SHIRTS[index % len(_SHIRTS)]
        top = desk - int(1.75 * size) - lift
        _rect(frame, cx - 0.85 * size, top + size * 0.95, cx + 0.85 * size, desk + 4, shirt)  # body
        if state == "reading_writing":  # head bowed over a book: the top of the head, no face
            head = np.empty((size, size, 3), dtype=np.uint8)
            head[:] = (60, 42, 30)
            _paste(frame, head, _ellipse_mask(size, size), cx - size // 2, top + size // 3)
            _rect(frame, cx - 0.6 * size, desk - 8, cx + 0.6 * size, desk + 4, (245, 245, 240))
        else:
            turn = (1 if col % 2 == 0 else -1) if state == "peer_interaction" else 0
            face = _face(index, size, turn)
            _paste(frame, face, _ellipse_mask(size, size), cx - size // 2, top)
        if state == "hand_raising":  # the right arm up beside the head, from the shoulder
            arm_x = cx + 0.75 * size
            _rect(frame, arm_x, top - 0.9 * size, arm_x + 0.35 * size, top + size, shirt)  # sleeve
            hand = np.empty((int(0.5 * size), int(0.42 * size), 3), dtype=np.uint8)
            hand[:] = (226, 180, 150)
            _paste(frame, hand, _ellipse_mask(*hand.shape[:2]), int(arm_x - 0.03 * size), int(top - 1.35 * size))
        _rect(frame, cx - 75, desk, cx + 75, desk + 16, (150, 105, 62))  # desk
