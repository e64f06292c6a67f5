"""Students' postures read off COCO-17 keypoints: hand raised, standing, head down, turned.

Keypoints are ``(17, 3)`` arrays of x, y (pixels, y down: the picture's own axes, so distances are
true proportions) and a score. Every length is measured in the person's *scale* (about a shoulder
width), so the rules hold for the front row and the back row alike.

- **Hand raised**: a wrist well above the shoulder (above the nose), or the posture Chinese pupils
  are taught (举手: elbow on the desk, forearm upright beside the head): the forearm is nearly
  vertical, the wrist at least halfway up from the shoulders to the eyes and beside the face, not
  under the chin (a chin resting on a hand is not a raised hand).
- **Standing**: the shoulders well above where this seat's shoulders usually are, or above the
  seated neighbours' (people of a similar size beside them).
- **Head down** (reading, writing): the nose sunk towards the shoulders compared with this seat's
  usual, or far below the ears.
- **Turned** (to a neighbour): the nose far off the middle of the ears (or of the eyes).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import numpy as np
import numpy.typing as npt

COCO17: tuple[str, ...] = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle",
)
NOSE, L_EYE, R_EYE, L_EAR, R_EAR, L_SH, R_SH, L_EL, R_EL, L_WR, R_WR = range(11)

Person = npt.NDArray[np.float32]  # (17, 3): x, y in pixels, score

#: the platform-9 student code each posture stands for (in this order of precedence)
BEHAVIOURS = {"standing": "answering", "hand_raised": "hand_raising", "turned": "peer_interaction",
              "head_down": "reading_writing"}
LISTENING = "listening"


@attrs.frozen
class Thresholds:
    """The rules' constants, in units of the person's scale (about a shoulder width)."""

    score: float = 0.3  # a keypoint counts as seen at or above this score
    arm_up: float = 0.8  # wrist above the shoulder line by this much: an arm held up
    desk_hand: float = 0.35  # elbow-on-desk posture: wrist at least this far above the shoulders
    beside_head: float = 0.3  # ... and at least this far sideways from the nose
    upright: float = 1.5  # ... with a forearm this many times taller than wide
    stand_rise: float = 0.7  # shoulders this far above the seat's usual height: standing
    stand_neighbours: float = 0.9  # shoulders this far above the seated neighbours': standing
    head_sunk: float = 0.55  # nose-to-shoulders height below this share of the seat's usual: head down
    head_low: float = 0.2  # ... or below this absolute height
    nose_below_ears: float = 0.25  # nose this far below the ears: head down
    turned: float = 0.35  # nose off the ears' middle by this share of their span: turned


DEFAULT = Thresholds()


@attrs.frozen
class Posture:
    """What one person is doing; ``hand`` and ``turned`` say which side in picture terms."""

    hand_raised: bool = False
    hand: str = ""  # "left" / "right" of the picture
    standing: bool = False
    head_down: bool = False
    turned: str = ""  # "left" / "right" of the picture, "" when facing forward
    confidence: float = 0.0

    @property
    def behaviour(self) -> str:
        """The platform-9 student code this posture stands for."""
        for flag, code in BEHAVIOURS.items():
            if getattr(self, flag):
                return code
        return LISTENING


def _seen(p: Person, *index: int, th: Thresholds = DEFAULT) -> bool:
    return all(float(p[i, 2]) >= th.score for i in index)


def shoulder_mid(p: Person) -> npt.NDArray[np.float32]:
    mid: npt.NDArray[np.float32] = p[[L_SH, R_SH], :2].mean(axis=0)
    return mid


def scale(p: Person, th: Thresholds = DEFAULT) -> float:
    """About a shoulder width: the shoulders' distance, or a multiple of the ears' or eyes' span when
    the body is turned (a turned body's shoulders look narrow)."""
    spans = []
    if _seen(p, L_SH, R_SH, th=th):
        spans.append(float(np.hypot(*(p[L_SH, :2] - p[R_SH, :2]))))
    if _seen(p, L_EAR, R_EAR, th=th):
        spans.append(1.8 * float(np.hypot(*(p[L_EAR, :2] - p[R_EAR, :2]))))
    if _seen(p, L_EYE, R_EYE, th=th):
        spans.append(3.5 * float(np.hypot(*(p[L_EYE, :2] - p[R_EYE, :2]))))
    return max(spans) if spans else 0.0


def head_height(p: Person, th: Thresholds = DEFAULT) -> float | None:
    """How far the nose is above the shoulders' line, in scales (None: not seen)."""
    s = scale(p, th)
    if s <= 0 or not _seen(p, NOSE, L_SH, R_SH, th=th):
        return None
    return float(shoulder_mid(p)[1] - p[NOSE, 1]) / s


def raised_hand(p: Person, th: Thresholds = DEFAULT) -> str:
    """``left`` / ``right`` (picture side of the raised wrist) or ``""``."""
    s = scale(p, th)
    if s <= 0:
        return ""
    for shoulder, elbow, wrist in ((L_SH, L_EL, L_WR), (R_SH, R_EL, R_WR)):
        if not _seen(p, shoulder, wrist, th=th):
            continue
        up = float(p[shoulder, 1] - p[wrist, 1]) / s
        side = "left" if p[wrist, 0] < (p[NOSE, 0] if _seen(p, NOSE, th=th) else shoulder_mid(p)[0]) else "right"
        if up > th.arm_up:
            return side
        if up > th.desk_hand and _seen(p, elbow, th=th):
            rise = float(p[elbow, 1] - p[wrist, 1])
            upright = rise > th.upright * abs(float(p[elbow, 0] - p[wrist, 0])) and rise > 0.5 * s
            beside = (not _seen(p, NOSE, th=th)) or abs(float(p[wrist, 0] - p[NOSE, 0])) > th.beside_head * s
            if upright and beside:
                return side
    return ""


def turned(p: Person, th: Thresholds = DEFAULT) -> str:
    """``left`` / ``right``: the side of the picture the face turns to, ``""`` when facing forward."""
    if not _seen(p, NOSE, th=th):
        return ""
    for a, b in ((L_EAR, R_EAR), (L_EYE, R_EYE)):
        if _seen(p, a, b, th=th):
            span = abs(float(p[a, 0] - p[b, 0]))
            off = float(p[NOSE, 0] - (p[a, 0] + p[b, 0]) / 2)
            limit = th.turned * span if a == L_EAR else 0.6 * span
            if span > 0 and abs(off) > limit:
                return "right" if off > 0 else "left"
            return ""
    s = scale(p, th)
    for ear in (L_EAR, R_EAR):  # one ear hidden behind the head: a profile
        if s > 0 and _seen(p, ear, th=th) and abs(float(p[NOSE, 0] - p[ear, 0])) > 0.45 * s:
            return "right" if p[NOSE, 0] > p[ear, 0] else "left"
    return ""


def head_down(p: Person, usual: float | None = None, th: Thresholds = DEFAULT) -> bool:
    """Whether the head is bowed; ``usual`` is this seat's typical :func:`head_height`."""
    height = head_height(p, th)
    if height is not None:
        if usual is not None and usual > 0 and height < th.head_sunk * usual:
            return True
        if height < th.head_low:
            return True
    s = scale(p, th)
    if s > 0 and _seen(p, NOSE, L_EAR, R_EAR, th=th):
        return float(p[NOSE, 1] - (p[L_EAR, 1] + p[R_EAR, 1]) / 2) / s > th.nose_below_ears
    return False


@attrs.frozen
class Frame:
    """Each person's scale, shoulders' middle and whether both shoulders are seen, computed once a frame."""

    scales: npt.NDArray[np.float64]
    mids: npt.NDArray[np.float32]
    shoulders: npt.NDArray[np.bool_]


def frame_of(people: Sequence[Person], th: Thresholds = DEFAULT) -> Frame:
    if not people:
        return Frame(np.zeros(0), np.zeros((0, 2), np.float32), np.zeros(0, bool))
    return Frame(np.array([scale(p, th) for p in people]), np.stack([shoulder_mid(p) for p in people]),
                 np.array([_seen(p, L_SH, R_SH, th=th) for p in people]))


def standing(people: Sequence[Person], i: int, usual_y: float | None = None, usual_scale: float | None = None,
             th: Thresholds = DEFAULT, frame: Frame | None = None) -> bool:
    """Whether person ``i`` stands: shoulders far above their seat's usual height (``usual_y``, pixels),
    or above the seated neighbours' (similar size, within three scales sideways)."""
    f = frame or frame_of(people, th)
    s = float(f.scales[i])
    if s <= 0 or not f.shoulders[i]:
        return False
    x, y = float(f.mids[i, 0]), float(f.mids[i, 1])
    if usual_y is not None and (usual_y - y) / (usual_scale or s) > th.stand_rise:
        return True
    ratio = f.scales / s
    near = f.shoulders & (ratio >= 0.7) & (ratio <= 1.4) & (np.abs(f.mids[:, 0] - x) < 3 * s)
    near[i] = False
    return bool(near.any()) and (float(np.median(f.mids[near, 1])) - y) / s > th.stand_neighbours


def posture(people: Sequence[Person], i: int, usual_y: float | None = None, usual_scale: float | None = None,
            usual_head: float | None = None, th: Thresholds = DEFAULT, frame: Frame | None = None) -> Posture:
    """Every cue of person ``i`` among ``people`` (the others are the neighbours for standing);
    ``frame`` is :func:`frame_of` the people, when already made."""
    p = people[i]
    hand = raised_hand(p, th)
    core = [NOSE, L_SH, R_SH, L_WR, R_WR]
    return Posture(hand_raised=bool(hand), hand=hand,
                   standing=standing(people, i, usual_y, usual_scale, th, frame),
                   head_down=head_down(p, usual_head, th), turned=turned(p, th),
                   confidence=round(float(np.mean(p[core, 2])), 3))
