"""Pure rules for reminders: the working-day calendar and which reminders a task is due on a day.

Values in, values out; the day is always passed in. Vietnamese public holidays come from the `holidays`
package; the admin adds extra holidays and make-up working days (a Saturday worked to bridge a holiday).
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass

import holidays

from app.i18n import N_

OPEN = ("not_started", "in_progress")  # done and cancelled tasks never remind
KINDS = {"before": N_("Due soon"), "due": N_("Due today"), "overdue": N_("Overdue"),
         "head": N_("Overdue: escalated to the unit head"), "secretariat": N_("Overdue: escalated to the secretariat")}
AUDIENCE = {"before": "focal", "due": "focal", "overdue": "focal", "head": "head", "secretariat": "secretariat"}


@dataclass(frozen=True)
class Policy:
    before_days: tuple[int, ...] = (7, 3, 1, 0)
    repeat_every: int = 3
    head_after: int = 5
    secretariat_after: int = 10
    sweep_at: dt.time = dt.time(7, 30)
    enabled: bool = True


class Calendar:
    """Working days between two dates, fast enough for a sweep over every task of a nation.

    The working days of the years asked for are listed once; counting between two dates is then two
    binary searches. Weekends and Vietnamese public holidays are off, unless decreed or entered as make-up
    working days.
    """

    def __init__(self, years: range, extra_holidays: set[dt.date] = frozenset(),
                 workdays: set[dt.date] = frozenset()):
        public = holidays.country_holidays("VN", years=list(years))
        # The package also knows the nationally decreed make-up Saturdays (26/04/2025 for the 30/4 bridge); the
        # admin's own days come last and win: an extra holiday can still fall on a decreed Saturday.
        decreed = set(getattr(public, "weekend_workdays", ())) - set(extra_holidays)
        workdays = set(workdays) | decreed
        start, end = dt.date(years.start, 1, 1), dt.date(years.stop - 1, 12, 31)
        self.start, self.end = start, end
        self.days: list[dt.date] = []
        day = start
        while day <= end:
            off = day.weekday() >= 5 or day in public or day in extra_holidays
            if day in workdays or not off:
                self.days.append(day)
            day += dt.timedelta(days=1)
        self._set = set(self.days)

    def is_working(self, day: dt.date) -> bool:
        self._check(day)
        return day in self._set

    def between(self, a: dt.date, b: dt.date) -> int:
        """Working days d with a < d <= b (negative when b is before a).

        A date before the calendar counts from its start: a task overdue for years is simply very overdue.
        """
        a, b = max(a, self.start - dt.timedelta(days=1)), max(b, self.start - dt.timedelta(days=1))
        self._check(max(a, self.start))
        self._check(max(b, self.start))
        return bisect.bisect_right(self.days, b) - bisect.bisect_right(self.days, a)

    def add(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day after `day` (n >= 1)."""
        i = bisect.bisect_right(self.days, day) + n - 1
        if i >= len(self.days):
            raise ValueError(f"{day} + {n} working days is past the calendar's end {self.end}")
        return self.days[i]

    def _check(self, day: dt.date) -> None:
        if not self.start <= day <= self.end:
            raise ValueError(f"{day} is outside the calendar ({self.start}–{self.end})")


@dataclass(frozen=True)
class Due:
    kind: str  # a key of KINDS
    days: int  # working days left (before, due: 0) or overdue

    @property
    def audience(self) -> str:
        return AUDIENCE[self.kind]


def due_reminders(status: str, due: dt.date, today: dt.date, policy: Policy, cal: Calendar) -> list[Due]:
    """The reminders a task is due on `today`.

    Before the deadline: on each configured count of working days left; "the day itself" is the last working
    day on or before the deadline (a deadline on a Sunday is reminded on the Friday). After it: on the first
    overdue working day and every `repeat_every` working days after; from `head_after` working days overdue
    the unit head is told too, from `secretariat_after` the secretariat, each on the day it is reached and
    then on the repeat days.
    """
    if not policy.enabled or status not in OPEN or not cal.is_working(today):
        return []
    if today <= due:
        left = cal.between(today, due)
        if left == 0:
            return [Due("due", 0)] if 0 in policy.before_days else []
        return [Due("before", left)] if left in policy.before_days else []
    late = cal.between(due, today)
    if late < 1:
        return []
    repeat = (late - 1) % max(1, policy.repeat_every) == 0
    out = [Due("overdue", late)] if repeat else []
    for kind, after in (("head", policy.head_after), ("secretariat", policy.secretariat_after)):
        if late == after or (late > after and repeat):
            out.append(Due(kind, late))
    return out


def horizon(today: dt.date, policy: Policy, cal: Calendar) -> dt.date:
    """The last deadline that can be reminded today: tasks due later need not be read."""
    furthest = max(policy.before_days, default=0)
    return cal.add(today, furthest + 1) - dt.timedelta(days=1)


CATCH_UP = 10  # working days a late worker sweeps back; reminders older than that help nobody


def days_to_sweep(last_swept: dt.date | None, today: dt.date, time_reached: bool, cal: Calendar,
                  limit: int = CATCH_UP) -> list[dt.date]:
    """The working days whose sweep is owed, oldest first.

    Every working day after the last one swept, up to today once the sweep's time has come (else up to
    yesterday), at most the last `limit` of them: a day missed while no worker could run (Redis down, the
    worker stopped) is swept late rather than never. With no sweep ever recorded only today is owed: a new
    installation does not remind about its past.
    """
    if last_swept is None:
        return [today] if time_reached and cal.is_working(today) else []
    through = today if time_reached else today - dt.timedelta(days=1)
    end = bisect.bisect_right(cal.days, through)
    return cal.days[max(bisect.bisect_right(cal.days, last_swept), end - limit):end]


def parse_days(raw: str) -> tuple[int, ...]:
    """'7, 3, 1, 0' → (7, 3, 1, 0); ValueError when a part is not a whole number from 0 to 60."""
    parts = [p.strip() for p in raw.replace(";", ",").split(",") if p.strip()]
    values = sorted({int(p) for p in parts if p.isdecimal() and int(p) <= 60}, reverse=True)
    if len(values) != len(set(parts)) or not values:
        raise ValueError(raw)
    return tuple(values)


def calendar_years(today: dt.date) -> range:
    """Enough years for any open task: overdue ones from last year, deadlines into next year."""
    return range(today.year - 2, today.year + 2)

