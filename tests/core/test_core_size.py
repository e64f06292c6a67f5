"""Core stays the contract: small enough to read in one sitting.

Issue 12 set the bound (docs/architecture.md): a new subsystem, gate or helper belongs in its own
package beside core, not in it. The import rule itself is checked by ``lint-imports`` in CI.
"""

from __future__ import annotations

from pathlib import Path

import lessonlens.core

CORE = Path(lessonlens.core.__file__).parent
MAX_LINES = 2_000


def test_core_is_under_two_thousand_lines() -> None:
    sizes = {p.relative_to(CORE).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
             for p in sorted(CORE.rglob("*.py"))}
    total = sum(sizes.values())
    largest = sorted(sizes.items(), key=lambda item: -item[1])[:5]
    assert total < MAX_LINES, f"lessonlens/core has {total} lines (largest: {largest}): move what is not contract out"

