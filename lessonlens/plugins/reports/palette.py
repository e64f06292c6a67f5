"""Colours of the charts: distinct for the 9 behaviours, readable in grey print, colour-blind aware."""

from __future__ import annotations

BEHAVIOUR_COLORS: dict[str, str] = {
    # teacher: blues/purple/orange
    "lecturing": "#2f6db5",
    "board_writing": "#6aa6e0",
    "patrolling": "#8e6bbf",
    "teacher_student_interaction": "#e08a2e",
    # students: teal/yellow/red/green/magenta
    "listening": "#2a9d8f",
    "hand_raising": "#d4a20b",
    "answering": "#d9534f",
    "reading_writing": "#6fa254",
    "peer_interaction": "#c25b9e",
}

#: One colour per lesson (or teacher) in comparison charts.
SERIES_COLORS: tuple[str, ...] = (
    "#2f6db5", "#d9534f", "#2a9d8f", "#e08a2e", "#8e6bbf", "#6fa254", "#c25b9e", "#7a7a7a", "#b5882f", "#3fa7c9",
)

CURVE_COLORS: dict[str, str] = {
    "participation": "#2a9d8f",
    "consistency": "#8e6bbf",
    "attention": "#e08a2e",
}

MODE_COLORS: dict[str, str] = {
    "practice": "#e7f3ea",
    "lecture": "#e6eef8",
    "dialogue": "#fbeee2",
    "mixed": "#f3f0f7",
}


def series_color(index: int) -> str:
    return SERIES_COLORS[index % len(SERIES_COLORS)]
