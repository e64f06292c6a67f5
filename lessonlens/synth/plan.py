"""The script of a synthetic lesson: phases, who speaks when, what each student does, the true coding.

One plan drives the cameras, the microphones and the truth sheet, so the truth is exact by
construction. A 45-minute plan is the template; shorter lessons scale every phase down.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import attrs

from lessonlens.core.timeline import STUDENT_BEHAVIOURS

#: (phase, minutes) of the 45-minute template: a maths lesson on adding fractions.
TEMPLATE: tuple[tuple[str, float], ...] = (
    ("lecture", 6), ("board", 4), ("questioning", 6), ("lecture", 5), ("discussion", 8),
    ("board", 3), ("practice", 7), ("questioning", 4), ("lecture", 2),
)
TEACHER_CODE = {
    "lecture": "lecturing", "board": "board_writing", "questioning": "teacher_student_interaction",
    "discussion": "patrolling", "practice": "patrolling",
}
ROWS, COLS = 5, 8
N_STUDENTS = ROWS * COLS


@attrs.frozen
class Phase:
    name: str
    start: float
    end: float


@attrs.frozen
class Utterance:
    """Speech from ``start`` (s): ``speaker`` is ``teacher``, ``student`` or ``chorus``; ``text`` in pinyin."""

    start: float
    end: float
    speaker: str
    text: str
    voice: int = 0


@attrs.frozen
class Moment:
    """A stretch of the questioning script: who raises hands, who stands to answer, or all answer."""

    start: float
    end: float
    what: str  # "hands", "answer", "chorus"
    students: tuple[int, ...] = ()


@attrs.frozen
class LessonPlan:
    duration: float
    phases: tuple[Phase, ...]
    utterances: tuple[Utterance, ...]
    moments: tuple[Moment, ...]
    seed: int

    def phase_at(self, t: float) -> Phase:
        for phase in self.phases:
            if phase.start <= t < phase.end:
                return phase
        return self.phases[-1]

    def moment_at(self, t: float) -> Moment | None:
        for moment in self.moments:
            if moment.start <= t < moment.end:
                return moment
        return None

    def teacher_code(self, t: float) -> str:
        return TEACHER_CODE[self.phase_at(t).name]

    def student_states(self, t: float) -> tuple[str, ...]:
        """What each of the students does at ``t`` (row-major, back row first)."""
        phase = self.phase_at(t)
        moment = self.moment_at(t)
        # who looks down / turns round changes every 30 s, deterministically
        rng = random.Random(f"{self.seed}:{phase.name}:{int(t // 30)}")
        states = ["listening"] * N_STUDENTS
        if phase.name == "lecture":
            for i in rng.sample(range(N_STUDENTS), N_STUDENTS // 10):
                states[i] = "reading_writing"
        elif phase.name == "board":
            for i in rng.sample(range(N_STUDENTS), N_STUDENTS // 2):
                states[i] = "reading_writing"
        elif phase.name == "discussion":
            states = ["peer_interaction"] * N_STUDENTS
            for i in rng.sample(range(N_STUDENTS), N_STUDENTS // 8):
                states[i] = "reading_writing"
        elif phase.name == "practice":
            states = ["reading_writing"] * N_STUDENTS
            for i in rng.sample(range(N_STUDENTS), N_STUDENTS // 10):
                states[i] = "listening"
        if moment is not None:
            behaviour = {"hands": "hand_raising", "answer": "answering", "chorus": "answering"}[moment.what]
            for i in moment.students:
                states[i] = behaviour
        return tuple(states)

    def truth_row(self, t: float) -> tuple[str, dict[str, float]]:
        states = self.student_states(t)
        shares = {b: states.count(b) / len(states) for b in STUDENT_BEHAVIOURS}
        return self.teacher_code(t), shares


def phases_for(minutes: float) -> tuple[Phase, ...]:
    scale = minutes / sum(m for _, m in TEMPLATE)
    phases, start = [], 0.0
    for name, length in TEMPLATE:
        end = round(start + length * 60 * scale, 3)
        phases.append(Phase(name, round(start, 3), end))
        start = end
    return tuple(phases)


# --- the script ---------------------------------------------------------------------------------
# Pinyin with tone numbers (espeak-ng's cmn-latn-pinyin voice reads it); hanzi in comments.
LECTURE = (
    "tong2 xue2 men5, jin1 tian1 wo3 men5 xue2 xi2 tong2 fen1 mu3 fen1 shu4 de5 jia1 fa3.",  # 今天学习同分母分数的加法
    "yi1 ge4 dan4 gao1 fen1 cheng2 san1 fen4, mei3 fen4 jiu4 shi4 san1 fen1 zhi1 yi1.",
    "ba3 liang3 ge4 san1 fen1 zhi1 yi1 he2 zai4 yi4 qi3, jiu4 shi4 san1 fen1 zhi1 er4.",
    "fen1 mu3 bu2 bian4, fen1 zi3 xiang1 jia1, zhe4 jiu4 shi4 tong2 fen1 mu3 jia1 fa3 de5 fa3 ze2.",
    "qing3 da4 jia1 kan4 hei1 ban3 shang4 de5 li4 ti2, wo3 men5 yi4 qi3 lai2 fen1 xi1.",
    "fen1 shu4 biao3 shi4 yi2 ge4 zheng3 ti3 de5 ji3 fen4 zhi1 ji3.",
    "ru2 guo3 fen1 mu3 bu4 tong2, wo3 men5 xu1 yao4 xian1 tong1 fen1.",
    "zhe4 ge4 fang1 fa3 zai4 sheng1 huo2 zhong1 ye3 hen3 you3 yong4.",
)
BOARD = (
    "wo3 ba3 fa3 ze2 xie3 zai4 hei1 ban3 shang4.",
    "da4 jia1 kan4 zhe4 li3.",
)
QUESTIONS = (
    "san1 fen1 zhi1 yi1 jia1 san1 fen1 zhi1 yi1 deng3 yu2 duo1 shao3 ne5?",  # 等于多少呢？
    "wei4 shen2 me5 fen1 mu3 bu2 bian4 ne5?",
    "shei2 neng2 shuo1 yi4 shuo1 zhe4 dao4 ti2 zen3 me5 zuo4?",
    "ni3 men5 tong2 yi4 ma5?",
)
CALL = ("qing3 ni3 lai2 hui2 da2.", "hao3, ni3 lai2 shuo1 shuo1.")
ANSWERS = (
    "deng3 yu2 san1 fen1 zhi1 er4.",
    "yin1 wei4 mei3 fen4 de5 da4 xiao3 mei2 you3 bian4.",
    "fen1 mu3 bu2 bian4, fen1 zi3 xiang1 jia1.",
)
PRAISE = ("hen3 hao3, hui2 da2 de5 hen3 dui4.", "shuo1 de5 bu2 cuo4, qing3 zuo4.")
CHORUS_CUE = "da4 jia1 yi4 qi3 shuo1."
CHORUS = ("san1 fen1 zhi1 er4!", "fen1 mu3 bu2 bian4, fen1 zi3 xiang1 jia1!")
DISCUSS = ("qing3 qian2 hou4 si4 ren2 yi4 zu3 tao3 lun4.", "ni3 men5 zu3 xiang3 de5 zen3 me5 yang4?")
CHATTER = ("wo3 jue2 de5 shi4 san1 fen1 zhi1 er4.", "ni3 kan4 zhe4 ge4 fen1 zi3.", "dui4, wo3 ye3 zhe4 me5 xiang3.",
           "zhe4 ge4 bu2 dui4 ba5?", "wo3 men5 zai4 suan4 yi2 bian4.")
PRACTICE = ("qing3 da4 jia1 du2 li4 wan2 cheng2 lian4 xi2 yi1.", "xie3 de5 ren4 zhen1 yi4 dian3.")

#: speaks a text in a voice and returns the clip's length in seconds
Speak = Callable[[str, str, int], float]


def make_plan(minutes: float, speak: Speak, seed: int = 7) -> LessonPlan:
    """The lesson script; ``speak(text, speaker, voice)`` gives each utterance's length."""
    rng = random.Random(seed)
    phases = phases_for(minutes)
    utterances: list[Utterance] = []
    moments: list[Moment] = []

    def say(t: float, speaker: str, text: str, voice: int = 0) -> float:
        length = speak(text, speaker, voice)
        utterances.append(Utterance(round(t, 3), round(t + length, 3), speaker, text, voice))
        return t + length

    for phase in phases:
        t = phase.start + 0.5
        if phase.name == "lecture":
            while t < phase.end - 3:
                end = say(t, "teacher", rng.choice(LECTURE))
                t = end + rng.uniform(0.5, 1.2)
        elif phase.name == "board":
            while t < phase.end - 3:
                end = say(t, "teacher", rng.choice(BOARD))
                t = end + rng.uniform(8, 12)
        elif phase.name == "questioning":
            cycle = 0
            while t < phase.end - 10:
                t = say(t, "teacher", rng.choice(QUESTIONS)) + 0.3
                if cycle % 3 == 2:  # every third question the class answers in chorus
                    t = say(t, "teacher", CHORUS_CUE) + 0.3
                    end = say(t, "chorus", rng.choice(CHORUS))
                    moments.append(Moment(round(t, 3), round(end + 0.7, 3), "chorus", tuple(range(N_STUDENTS))))
                    t = end + 1.0
                else:
                    hands = tuple(sorted(rng.sample(range(N_STUDENTS), int(N_STUDENTS * 0.6))))
                    moments.append(Moment(round(t, 3), round(t + 3.5, 3), "hands", hands))
                    t = say(t + 3.5, "teacher", rng.choice(CALL))
                    student = rng.choice(hands)
                    end = say(t + 0.8, "student", rng.choice(ANSWERS), voice=student)
                    moments.append(Moment(round(t, 3), round(end + 0.5, 3), "answer", (student,)))
                    t = say(end + 0.6, "teacher", rng.choice(PRAISE)) + 1.0
                cycle += 1
        elif phase.name == "discussion":
            t = say(t, "teacher", DISCUSS[0]) + 1.0
            while t < phase.end - 3:
                # three or four groups talk at once: overlapping student voices, none dominant
                for _ in range(rng.randint(3, 4)):
                    say(t + rng.uniform(0, 1.5), "student", rng.choice(CHATTER), voice=rng.randrange(N_STUDENTS))
                if rng.random() < 0.15:
                    say(t + 1.0, "teacher", DISCUSS[1])
                t += rng.uniform(2.5, 3.5)
        elif phase.name == "practice":
            t = say(t, "teacher", PRACTICE[0]) + rng.uniform(20, 30)
            while t < phase.end - 3:
                t = say(t, "teacher", PRACTICE[1]) + rng.uniform(25, 35)
    kept = tuple(u for u in utterances if u.end <= phases[-1].end)
    return LessonPlan(duration=phases[-1].end, phases=phases, utterances=kept, moments=tuple(moments), seed=seed)
