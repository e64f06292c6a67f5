"""The platform-9 coding scheme (SPEC.md section 2) and its coder.

At each instant the coder weighs the behaviour cues near it: the teacher's behaviour is the cue
with the most confidence, the students' shares are the confidence-weighted mean of the student cues.
The S/T mapping is overridden per lesson with ``options["st_mapping"]``; hand-coded sheets are read
by :mod:`lessonlens.plugins.coders.platform9_sheet`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from pathlib import Path

from lessonlens.core.extensions import Coder, CodeRequest, SheetHead
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.i18n import Text
from lessonlens.core.observations import BehaviourCue
from lessonlens.core.timeline import BEHAVIOUR_LABELS, Code, CodedSample, CodedTimeline, CodingScheme, Evidence
from lessonlens.plugins.coders.platform9_fusion import fuse
from lessonlens.plugins.coders.platform9_sheet import read_platform9_sheet

SCHEME = CodingScheme(
    id="platform-9",
    name=Text(zh="平台九类行为编码", en="Platform 9-behaviour coding"),
    interval=6.0,
    codes=(
        Code("lecturing", BEHAVIOUR_LABELS["lecturing"], "teacher", "T"),
        Code("board_writing", BEHAVIOUR_LABELS["board_writing"], "teacher", "T"),
        Code("patrolling", BEHAVIOUR_LABELS["patrolling"], "teacher", "S"),
        Code("teacher_student_interaction", BEHAVIOUR_LABELS["teacher_student_interaction"], "teacher"),
        Code("listening", BEHAVIOUR_LABELS["listening"], "students"),
        Code("hand_raising", BEHAVIOUR_LABELS["hand_raising"], "students"),
        Code("answering", BEHAVIOUR_LABELS["answering"], "students"),
        Code("reading_writing", BEHAVIOUR_LABELS["reading_writing"], "students"),
        Code("peer_interaction", BEHAVIOUR_LABELS["peer_interaction"], "students"),
    ),
)


def st_code(teacher: str | None, students: Mapping[str, float], mapping: Mapping[str, str]) -> str | None:
    """The S/T code of a sample: the mapping for the teacher's behaviour; an interaction counts as S
    when answering outweighs listening, else T (SPEC.md section 2)."""
    if teacher is None:
        return None
    if teacher in mapping:
        return mapping[teacher]
    return "S" if students.get("answering", 0.0) > students.get("listening", 0.0) else "T"


class Platform9Coder(Coder):
    name = "platform-9"
    scheme = SCHEME

    def code(self, request: CodeRequest) -> CodedTimeline:
        mapping = {**SCHEME.st_mapping(), **request.options.get("st_mapping", {})}
        half = request.interval / 2
        cues = sorted((o for o in request.observations if isinstance(o, BehaviourCue)), key=lambda o: o.t)
        samples = []
        start = 0
        for t in request.instants:
            while start < len(cues) and cues[start].t < t - half:
                start += 1
            near = []
            i = start
            while i < len(cues) and cues[i].t < t + half:
                near.append(cues[i])
                i += 1
            samples.append(self._sample(t, near, mapping))
        # pose, position, board text, speech and faces refine the cue votes (no-op when there are none)
        fused = fuse(request, samples, lambda teacher, students: st_code(teacher, students, mapping))
        return CodedTimeline(scheme=SCHEME.id, interval=request.interval, samples=fused,
                             st_mapping=mapping, coder=self.name)

    def read_sheet(self, path: str | Path, interval: float | None = None) -> CodedTimeline:
        """A hand-coded platform-9 CSV sheet (see :mod:`.platform9_sheet`) with the default S/T mapping."""
        return read_platform9_sheet(path, SCHEME, SCHEME.st_mapping(), st_code, interval, coder=self.name)

    def matches_sheet(self, head: SheetHead) -> int:
        """A sheet with a ``teacher`` column (and one per student behaviour)."""
        return 3 if "teacher" in head.header else 0

    @staticmethod
    def _sample(t: float, cues: list[BehaviourCue], mapping: Mapping[str, str]) -> CodedSample:
        teacher_votes: dict[str, float] = defaultdict(float)
        student_weight: dict[str, float] = defaultdict(float)
        for cue in cues:
            if cue.actor == "teacher" and cue.behaviour in SCHEME.codes_of("teacher"):
                teacher_votes[cue.behaviour] += cue.confidence
            elif cue.actor == "students" and cue.behaviour in SCHEME.codes_of("students"):
                student_weight[cue.behaviour] += cue.confidence * (1.0 if cue.share is None else cue.share)
        teacher = max(teacher_votes, key=teacher_votes.__getitem__) if teacher_votes else None
        total = sum(student_weight.values())
        students = {b: w / total for b, w in student_weight.items()} if total > 0 else {}
        votes = sum(teacher_votes.values())
        confidence = teacher_votes[teacher] / votes if teacher and votes else 0.0
        evidence = tuple(Evidence(c.detector, c.kind, f"{c.actor}:{c.behaviour}", c.t) for c in cues)
        return CodedSample(t=t, teacher=teacher, students=students, st=st_code(teacher, students, mapping),
                           confidence=round(confidence, 4), evidence=evidence)


@hookimpl
def register_coders(register: Callable[[Coder], None]) -> None:
    register(Platform9Coder())
