"""A synthetic lesson made from real photographs, real faces and synthesised Mandarin speech, with its
true coding: the fixture for end-to-end tests, the benchmark, and ``lessonlens sample-lesson``.

Needs the ``synth`` extra (scikit-image for the photographs, Pillow for the board's text), a CJK
font and Debian's ``espeak-ng``.
"""

from lessonlens.synth.lesson import SampleLesson, generate_lesson

__all__ = ["SampleLesson", "generate_lesson"]
