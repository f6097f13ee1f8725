"""Five-field cron (minute hour day-of-month month day-of-week), in UTC, as Kii's scheduler
jobs and Thing-IF SCHEDULE triggers use it: ``*``, ranges, steps (``0/10``, ``*/5``), lists
and names (``MON-FRI``, ``JAN``) (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from chalicelib.errors import InvalidInputData

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1
    )
}
_DAYS = {d: i for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}
# The rarest day a cron can name, 29 February, comes within any five years (around 2100
# aside): a cron due nowhere in them is never due.
NEXT_DUE_HORIZON_DAYS = 5 * 366
_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, _MONTHS),
    ("day of week", 0, 7, _DAYS),
)


@dataclass(frozen=True)
class Cron:
    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    any_day: bool
    any_weekday: bool

    @classmethod
    def parse(cls, expression: str) -> Cron:
        parts = expression.split() if isinstance(expression, str) else []
        if len(parts) != 5:
            raise InvalidInputData(
                f"cron {expression!r}: five fields are needed (minute hour day month weekday)"
            )
        sets = [_field(part, *spec, expression) for part, spec in zip(parts, _FIELDS, strict=True)]
        weekdays = frozenset(0 if d == 7 else d for d in sets[4])
        return cls(expression, sets[0], sets[1], sets[2], sets[3], weekdays, parts[2] == "*", parts[4] == "*")

    def matches(self, when: datetime) -> bool:
        """Whether the minute ``when`` (UTC) is due."""
        return when.minute in self.minutes and when.hour in self.hours and self._day_matches(when.date())

    def _day_matches(self, day: date) -> bool:
        """Day of month and day of week combine as in cron: when both are restricted, either
        may match."""
        if day.month not in self.months:
            return False
        day_ok, weekday_ok = day.day in self.days, (day.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return day_ok and weekday_ok
        return day_ok or weekday_ok

    def next_due(self, after: datetime, horizon_days: int = NEXT_DUE_HORIZON_DAYS) -> datetime | None:
        """The first due minute (UTC) after the minute of ``after``, or None when none comes
        within the horizon (a cron of 30 February never does). Day by day, then the day's
        hours and minutes: at most a few thousand steps, never one per minute."""
        start = after.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
        for offset in range(horizon_days + 1):
            day = start.date() + timedelta(days=offset)
            if not self._day_matches(day):
                continue
            for hour in sorted(self.hours):
                for minute in sorted(self.minutes):
                    when = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
                    if when >= start:
                        return when
        return None


def _value(text: str, names: dict[str, int], name: str, expression: str) -> int:
    upper = text.upper()
    if upper in names:
        return names[upper]
    if not text.isdigit():
        raise InvalidInputData(f"cron {expression!r}: {text!r} is not a valid {name}")
    return int(text)


def _field(
    part: str, name: str, low: int, high: int, names: dict[str, int], expression: str
) -> frozenset[int]:
    found: set[int] = set()
    for item in part.split(","):
        body, _, step_text = item.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise InvalidInputData(f"cron {expression!r}: bad step in {item!r}")
            step = int(step_text)
        if body == "*":
            start, end = low, high
        elif "-" in body:
            first, last = body.split("-", 1)
            start, end = _value(first, names, name, expression), _value(last, names, name, expression)
        else:
            start = _value(body, names, name, expression)
            end = high if step_text else start
        if not (low <= start <= high and low <= end <= high and start <= end):
            raise InvalidInputData(f"cron {expression!r}: {item!r} is outside {low}-{high} for the {name}")
        found.update(range(start, end + 1, step))
    return frozenset(found)
