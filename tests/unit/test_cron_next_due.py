"""A cron's next due minute (the console's schedules): the first minute after the given one
that ``Cron.matches`` says is due, found day by day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.cron import Cron


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("cron", "after", "due"),
    [
        ("30 2 * * *", "2026-11-23T02:29:59", "2026-11-23T02:30:00"),
        ("30 2 * * *", "2026-11-23T02:30:10", "2026-11-24T02:30:00"),  # this minute is not "next"
        ("0/15 9-17 * * MON-FRI", "2026-11-27T17:46:00", "2026-11-30T09:00:00"),  # Friday evening
        ("45 3 1 * *", "2026-12-31T23:59:00", "2027-01-01T03:45:00"),
        ("0 0 29 2 *", "2026-03-01T00:00:00", "2028-02-29T00:00:00"),
        ("0 12 13 * FRI", "2026-11-23T00:00:00", "2026-11-27T12:00:00"),  # either day field may match
        ("* * * * *", "2026-11-23T10:00:30", "2026-11-23T10:01:00"),
    ],
)
def test_next_due_is_the_first_minute_after_this_one_that_matches(cron: str, after: str, due: str) -> None:
    found = Cron.parse(cron).next_due(utc(after))
    assert found == utc(due)
    assert Cron.parse(cron).matches(found)


def test_no_minute_between_is_due() -> None:
    cron, after = Cron.parse("0/15 9-17 * * MON-FRI"), utc("2026-11-27T17:46:00")
    found = cron.next_due(after)
    assert found is not None
    minute = after.replace(second=0) + timedelta(minutes=1)
    while minute < found:
        assert not cron.matches(minute)
        minute += timedelta(minutes=1)


def test_a_cron_of_a_day_that_never_comes_has_no_next_run() -> None:
    assert Cron.parse("0 0 30 2 *").next_due(utc("2026-11-23T00:00:00")) is None
