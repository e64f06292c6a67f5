"""Perception end to end: media files -> analysis (:func:`analyze`), and machine vs hand coding
(:func:`evaluate`)."""

from lessonlens.perception.evaluate import Evaluation, evaluate
from lessonlens.perception.meta import read_lesson_meta
from lessonlens.perception.run import DetectorRun, analyze, media_sources

__all__ = ["DetectorRun", "Evaluation", "analyze", "evaluate", "media_sources", "read_lesson_meta"]
