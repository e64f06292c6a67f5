"""Small rubrics built in code for the rubric tests."""

from __future__ import annotations

from lessonlens.core.rubric import Band, Indicator, RubricSchema, ScoreSheet


def texts(zh: str, en: str | None = None) -> dict[str, str]:
    return {"zh-CN": zh, "en": en or zh}


BANDS = (
    Band("excellent", texts("优秀", "Excellent"), 0.85, 1.0, "#2e7d32"),
    Band("good", texts("良好", "Good"), 0.75, 0.85, "#1e88e5"),
    Band("pass", texts("合格", "Satisfactory"), 0.6, 0.75, "#f9a825"),
    Band("improve", texts("待改进", "Needs improvement"), 0.0, 0.6, "#e53935"),
)


def flat_schema(n_items: int = 4, top: float = 10) -> RubricSchema:
    """One perspective ``P`` with ``n_items`` leaves ``P.1`` .. each out of ``top``."""
    inds = [Indicator("P", texts("视角", "Perspective"))]
    inds += [Indicator(f"P.{i}", texts(f"观察点{i}", f"Point {i}"), parent="P", max_score=top)
             for i in range(1, n_items + 1)]
    return RubricSchema("flat", texts("测试量规", "Test rubric"), "other", tuple(inds), BANDS)


def weighted_schema() -> RubricSchema:
    """Top level weighted A 0.6 / B 0.4; A's points unweighted (sum), B's weighted 0.5 / 0.5."""
    return RubricSchema("mixed", texts("混合量规", "Mixed rubric"), "classroom_teaching", (
        Indicator("A", texts("甲", "A"), weight=0.6),
        Indicator("A1", texts("甲一", "A1"), parent="A", max_score=10),
        Indicator("A2", texts("甲二", "A2"), parent="A", max_score=5),
        Indicator("B", texts("乙", "B"), weight=0.4),
        Indicator("B1", texts("乙一", "B1"), parent="B", max_score=4, weight=0.5),
        Indicator("B2", texts("乙二", "B2"), parent="B", max_score=4, weight=0.5),
    ), BANDS)


def sheets(schema_id: str, table: dict[str, list[float]], ids: list[str]) -> list[ScoreSheet]:
    return [ScoreSheet(schema_id, rater, dict(zip(ids, row, strict=True))) for rater, row in table.items()]
