"""Initial store schema: region, school, teacher, lesson, analysis, rubric results, findings.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# frozen copy of lessonlens.store.indexed.INDEXED_METRICS at this revision (columns of ``analysis``)
METRIC_COLUMNS = (
    "rt", "ch", "rt_30s", "ch_30s", "n_t", "n_s", "runs", "duration", "longest_lecture",
    "switches_per_10min", "participation_mean", "consistency_mean", "attention_mean",
    "teacher_shares__lecturing", "teacher_shares__board_writing", "teacher_shares__patrolling",
    "teacher_shares__teacher_student_interaction", "student_shares__listening",
    "student_shares__hand_raising", "student_shares__answering", "student_shares__reading_writing",
    "student_shares__peer_interaction",
)


def upgrade() -> None:
    op.create_table(
        "region",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_region"),
        sa.UniqueConstraint("name", name="uq_region_name"),
    )
    op.create_table(
        "school",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"], name="fk_school_region_id_region",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_school"),
        sa.UniqueConstraint("region_id", "name", name="uq_school_region_id_name"),
    )
    op.create_table(
        "teacher",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"], name="fk_teacher_school_id_school",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_teacher"),
        sa.UniqueConstraint("school_id", "name", name="uq_teacher_school_id_name"),
    )
    op.create_index("ix_teacher_name", "teacher", ["name"])
    op.create_table(
        "lesson",
        sa.Column("id", sa.String(200), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("grade", sa.String(100), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.Column("teacher_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("media", sa.Text(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["teacher_id"], ["teacher.id"], name="fk_lesson_teacher_id_teacher",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"], name="fk_lesson_school_id_school",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"], name="fk_lesson_region_id_region",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_lesson"),
    )
    op.create_index("ix_lesson_date", "lesson", ["date"])
    op.create_index("ix_lesson_school_id", "lesson", ["school_id"])
    op.create_index("ix_lesson_region_id", "lesson", ["region_id"])
    op.create_index("ix_lesson_teacher_date", "lesson", ["teacher_id", "date"])
    op.create_index("ix_lesson_subject_grade", "lesson", ["subject", "grade"])
    op.create_table(
        "analysis",
        sa.Column("lesson_id", sa.String(200), nullable=False),
        sa.Column("doc_schema", sa.String(100), nullable=False),
        sa.Column("scheme", sa.String(100), nullable=False),
        sa.Column("n_samples", sa.Integer(), nullable=True),
        sa.Column("mode", sa.String(40), nullable=True),
        *(sa.Column(name, sa.Float(), nullable=True) for name in METRIC_COLUMNS),
        sa.Column("n_findings", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["lesson_id"], ["lesson.id"], name="fk_analysis_lesson_id_lesson",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("lesson_id", name="pk_analysis"),
    )
    op.create_index("ix_analysis_mode", "analysis", ["mode"])
    op.create_table(
        "rubric_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.String(200), nullable=False),
        sa.Column("rubric", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(100), nullable=False),
        sa.Column("indicator", sa.String(200), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("n_raters", sa.Integer(), nullable=False),
        sa.Column("mean", sa.Float(), nullable=True),
        sa.Column("share", sa.Float(), nullable=True),
        sa.Column("band", sa.String(100), nullable=True),
        sa.ForeignKeyConstraint(["lesson_id"], ["lesson.id"], name="fk_rubric_result_lesson_id_lesson",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_rubric_result"),
    )
    op.create_index("ix_rubric_result_lesson_id", "rubric_result", ["lesson_id"])
    op.create_index("ix_rubric_result_rubric_indicator", "rubric_result", ["rubric", "indicator"])
    op.create_table(
        "finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.String(200), nullable=False),
        sa.Column("finding_id", sa.String(200), nullable=False),
        sa.Column("rule", sa.String(200), nullable=False),
        sa.Column("severity", sa.String(40), nullable=False),
        sa.Column("title_zh", sa.Text(), nullable=False),
        sa.Column("title_en", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["lesson_id"], ["lesson.id"], name="fk_finding_lesson_id_lesson",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_finding"),
    )
    op.create_index("ix_finding_lesson_id", "finding", ["lesson_id"])
    op.create_index("ix_finding_finding_id", "finding", ["finding_id"])


def downgrade() -> None:
    for table in ("finding", "rubric_result", "analysis", "lesson", "teacher", "school", "region"):
        op.drop_table(table)
