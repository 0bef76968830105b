"""Small date helpers shared by the tracker."""

from __future__ import annotations

from datetime import date


def add_years(day: date, years: int) -> date:
    """``day`` plus whole years; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def fmt(day: date | None) -> str:
    """ISO date or empty string."""
    return day.isoformat() if day else ""
