"""Findings: diagnoses with the numbers that triggered them, where to look, and what to try."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import attrs

from lessonlens.core.metrics import TimeRange


class Severity(StrEnum):
    INFO = "info"
    STRENGTH = "strength"
    NOTICE = "notice"
    WARNING = "warning"
    CONCERN = "concern"


@attrs.frozen
class Finding:
    """One diagnosis. Texts are ``{"zh-CN": ..., "en": ...}`` already filled with the numbers."""

    id: str
    rule: str
    severity: Severity = attrs.field(converter=Severity)
    title: dict[str, str]
    explanation: dict[str, str]
    suggestion: dict[str, str] = attrs.field(factory=dict)
    time_ranges: tuple[TimeRange, ...] = ()
    facts: dict[str, Any] = attrs.field(factory=dict)
