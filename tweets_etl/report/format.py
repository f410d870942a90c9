"""Numbers as people read them: counts, percentages and signed scores.

Plain text, no Spark and no HTML: the charts, the dashboard's cards and page and the run summary all
write numbers through these, so a number reads the same wherever it is shown.
"""

from __future__ import annotations

from typing import Optional

NOT_AVAILABLE = "n/a"


def count(value: float) -> str:
    """A whole number with thousands separators: 12,345."""
    return f"{round(value):,}"


def percent(value: float, digits: int = 0) -> str:
    """A fraction as a percentage: 0.256 -> 26%."""
    return f"{value * 100:.{digits}f}%"


def share(part: float, whole: float) -> str:
    """``part`` as a whole percentage of ``whole``; 0% of nothing."""
    return percent(part / whole) if whole else "0%"


def signed(value: Optional[float]) -> str:
    """A score in [-1, 1] with its sign and two decimals (+0.07); n/a when there is none (a net
    sentiment over no positive or negative tweet, an unscored tweet)."""
    return f"{value:+.2f}" if value is not None else NOT_AVAILABLE
