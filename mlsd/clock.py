"""The one way mlsd writes a time: UTC, ISO 8601 with a Z, to the second or the microsecond."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)


def stamp(when: datetime | None = None, *, precise: bool = False) -> str:
    """``2026-12-02T04:48:26Z`` (``…26.123456Z`` when precise: the run store orders by it)."""
    when = when or utc_now()
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ" if precise else "%Y-%m-%dT%H:%M:%SZ")
