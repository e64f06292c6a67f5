"""Online observation (观评课): events on a lesson scored by many invited observers on the school's
rubrics, with autosaved scores and time-stamped notes, blind mode, live aggregation with the
rubric package's own aggregation, exports of the sheets, and the result stored with the lesson.

``events`` is the store (tables in ``lessonlens.store.observe_models``), ``results`` the aggregation
and what pages show of it; the routes are ``lessonlens.web.routes.observe``. See ``docs/web.md``.
"""
