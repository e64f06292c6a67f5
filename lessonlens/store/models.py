"""The store's tables as SQLAlchemy 2 declarative models.

Region, school and teacher are named entities (names unique within their parent; an unknown region
or school is the row named ``""``). A lesson is keyed by ``LessonMeta.id`` and owns one analysis
(the whole document as JSON plus one column per indexed metric), its rubric results and findings;
deleting a lesson deletes them (``ON DELETE CASCADE``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from lessonlens.store.indexed import INDEXED_METRICS

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Region(Base):
    """A district (区域); the row named ``""`` holds schools of no known region."""

    __tablename__ = "region"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class School(Base):
    __tablename__ = "school"
    __table_args__ = (UniqueConstraint("region_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))


class Teacher(Base):
    __tablename__ = "teacher"
    __table_args__ = (UniqueConstraint("school_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200), index=True)


class Lesson(Base):
    """One lesson; ``school_id``/``region_id`` repeat the teacher's so group queries need no joins."""

    __tablename__ = "lesson"
    __table_args__ = (
        Index("ix_lesson_teacher_date", "teacher_id", "date"),
        Index("ix_lesson_subject_grade", "subject", "grade"),
    )
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    title: Mapped[str] = mapped_column(String(500), default="")
    subject: Mapped[str] = mapped_column(String(100), default="")
    grade: Mapped[str] = mapped_column(String(100), default="")
    date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    duration: Mapped[float | None] = mapped_column(Float)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("teacher.id", ondelete="CASCADE"))
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"), index=True)
    #: JSON list of ``{"path", "role"}``: where the recordings are (they are not copied into the store)
    media: Mapped[str] = mapped_column(Text, default="[]")
    added_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


analysis_table = Table(
    "analysis",
    Base.metadata,
    Column("lesson_id", String(200), ForeignKey("lesson.id", ondelete="CASCADE"), primary_key=True),
    Column("doc_schema", String(100), nullable=False),
    Column("scheme", String(100), nullable=False, default=""),
    Column("n_samples", Integer),
    Column("mode", String(40), index=True),
    *(Column(metric.column, Float) for metric in INDEXED_METRICS),
    Column("n_findings", Integer, nullable=False, default=0),
    Column("document", Text, nullable=False),
)


class AnalysisRow(Base):
    """The analysis document of a lesson and its indexed key metrics (columns of :data:`INDEXED_METRICS`)."""

    __table__ = analysis_table


class RubricResultRow(Base):
    """One indicator (or ``overall``, level 0) of one rubric result of a lesson."""

    __tablename__ = "rubric_result"
    __table_args__ = (Index("ix_rubric_result_rubric_indicator", "rubric", "indicator"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lesson_id: Mapped[str] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    rubric: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(100), default="")
    indicator: Mapped[str] = mapped_column(String(200))
    level: Mapped[int] = mapped_column(Integer)
    n_raters: Mapped[int] = mapped_column(Integer, default=0)
    mean: Mapped[float | None] = mapped_column(Float)
    share: Mapped[float | None] = mapped_column(Float)
    band: Mapped[str | None] = mapped_column(String(100))


class FindingRow(Base):
    """One finding of a lesson; titles are kept in both languages for group summaries."""

    __tablename__ = "finding"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lesson_id: Mapped[str] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    finding_id: Mapped[str] = mapped_column(String(200), index=True)
    rule: Mapped[str] = mapped_column(String(200), default="")
    severity: Mapped[str] = mapped_column(String(40))
    title_zh: Mapped[str] = mapped_column(Text, default="")
    title_en: Mapped[str] = mapped_column(Text, default="")


class JobRow(Base):
    """One lesson's analysis job (``lessonlens batch``, the web application): what to analyse, how it went.

    One row per lesson id: submitting a lesson again re-queues its row. There is no foreign key to
    ``lesson``: a job exists before its lesson is stored, and a failed one never is. ``spec`` is the
    JSON of a ``lessonlens.jobs.LessonSpec``; ``media_fingerprint`` and ``pipeline_fingerprint`` tell
    whether a stored result still matches the media and the detectors (then the lesson is skipped).
    """

    __tablename__ = "job"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lesson_id: Mapped[str] = mapped_column(String(200), unique=True)
    batch: Mapped[str] = mapped_column(String(200), default="", index=True)
    #: queued | running | done | failed
    state: Mapped[str] = mapped_column(String(20), index=True)
    spec: Mapped[str] = mapped_column(Text)
    media_fingerprint: Mapped[str] = mapped_column(String(64), default="")
    pipeline_fingerprint: Mapped[str] = mapped_column(String(64), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: the one-line error of a failed job
    error: Mapped[str] = mapped_column(Text, default="")
    worker: Mapped[str] = mapped_column(String(200), default="")
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    #: a running job's last sign of life from whoever runs it (revision ``0009_job_heartbeat``;
    #: :func:`lessonlens.jobs.table.stale_jobs`)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    #: seconds the analysis itself took on the worker
    seconds: Mapped[float | None] = mapped_column(Float)
    #: where the result document was written (``--out``), else ""
    output: Mapped[str] = mapped_column(Text, default="")


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


region_table = _table(Region)
school_table = _table(School)
teacher_table = _table(Teacher)
lesson_table = _table(Lesson)
rubric_table = _table(RubricResultRow)
finding_table = _table(FindingRow)
job_table = _table(JobRow)


# the web platform's tables share the metadata (and so the migrations); imported last, they need Base
from lessonlens.store import observe_models as _observe_models  # noqa: E402,F401
from lessonlens.store import platform_models as _platform_models  # noqa: E402,F401
from lessonlens.store import reflection_models as _reflection_models  # noqa: E402,F401
