"""The working-day calendar and which reminders are due: pure rules, the day passed in."""

import datetime as dt

import pytest

from reminders.rules import Calendar, Due, Policy, days_to_sweep, due_reminders, horizon, parse_days

D = dt.date
CAL = Calendar(range(2024, 2027))
POLICY = Policy()


def test_tet_2025_is_off_from_the_27th_to_the_2nd():
    # Tết Ất Tỵ: Monday 27/01 to Saturday 01/02 are public holidays, then Sunday.
    assert [CAL.is_working(D(2025, 1, d)) for d in (24, 27, 28, 29, 30, 31)] == [True] + [False] * 5
    assert not CAL.is_working(D(2025, 2, 2)) and CAL.is_working(D(2025, 2, 3))
    assert CAL.between(D(2025, 1, 24), D(2025, 2, 3)) == 1  # Friday before Tết to Monday after: one working day


def test_30_april_and_1_may_2025_with_the_bridge_day_are_off():
    assert [CAL.is_working(D(2025, 4, 30)), CAL.is_working(D(2025, 5, 1)), CAL.is_working(D(2025, 5, 2))] == \
           [False, False, False]
    assert CAL.add(D(2025, 4, 29), 1) == D(2025, 5, 5)


def test_a_make_up_saturday_works_and_an_extra_holiday_does_not():
    cal = Calendar(range(2025, 2026), extra_holidays={D(2025, 3, 10)}, workdays={D(2025, 3, 15)})
    assert cal.is_working(D(2025, 3, 15)) and not cal.is_working(D(2025, 3, 10))
    assert not CAL.is_working(D(2025, 3, 15))


def test_the_decreed_make_up_saturday_for_the_30_april_bridge_is_a_working_day():
    assert CAL.is_working(D(2025, 4, 26))


def test_before_the_deadline_on_7_3_1_working_days_and_the_day_itself():
    due = D(2025, 6, 30)  # a Monday
    reminded = {day: due_reminders("in_progress", due, day, POLICY, CAL) for day in
                (D(2025, 6, 19), D(2025, 6, 20), D(2025, 6, 25), D(2025, 6, 27), due)}
    assert reminded == {D(2025, 6, 19): [Due("before", 7)], D(2025, 6, 20): [], D(2025, 6, 25): [Due("before", 3)],
                        D(2025, 6, 27): [Due("before", 1)], due: [Due("due", 0)]}


def test_a_deadline_on_a_holiday_is_reminded_on_the_last_working_day_before_it():
    due = D(2025, 5, 1)
    assert due_reminders("not_started", due, D(2025, 4, 29), POLICY, CAL) == [Due("due", 0)]
    assert due_reminders("not_started", due, D(2025, 5, 5), POLICY, CAL) == [Due("overdue", 1)]


def test_overdue_repeats_every_3_working_days_and_escalates_at_5_and_10():
    due = D(2025, 6, 30)
    days = [CAL.add(due, n) for n in range(1, 14)]
    kinds = {CAL.between(due, day): [d.kind for d in due_reminders("in_progress", due, day, POLICY, CAL)] for day in days}
    assert kinds[1] == ["overdue"] and kinds[2] == [] and kinds[4] == ["overdue"]
    assert kinds[5] == ["head"] and kinds[7] == ["overdue", "head"]
    assert kinds[10] == ["overdue", "head", "secretariat"] and kinds[13] == ["overdue", "head", "secretariat"]
    assert kinds[11] == [] and kinds[12] == []


@pytest.mark.parametrize("status", ["done", "cancelled"])
def test_done_and_cancelled_tasks_never_remind(status):
    assert due_reminders(status, D(2025, 6, 30), D(2025, 7, 10), POLICY, CAL) == []


def test_nothing_is_sent_on_a_weekend_or_holiday_or_when_turned_off():
    assert due_reminders("in_progress", D(2025, 6, 30), D(2025, 6, 28), POLICY, CAL) == []
    assert due_reminders("in_progress", D(2025, 2, 3), D(2025, 1, 29), POLICY, CAL) == []
    assert due_reminders("in_progress", D(2025, 6, 30), D(2025, 6, 30), Policy(enabled=False), CAL) == []


def test_the_horizon_is_the_last_deadline_a_reminder_can_concern():
    assert horizon(D(2025, 6, 19), POLICY, CAL) == D(2025, 6, 30)  # Mon 30/06 is the 7th working day after
    assert due_reminders("in_progress", D(2025, 6, 30), D(2025, 6, 19), POLICY, CAL) == [Due("before", 7)]
    assert due_reminders("in_progress", D(2025, 7, 1), D(2025, 6, 19), POLICY, CAL) == []


def test_offsets_are_read_from_text():
    assert parse_days("7, 3,1 ,0") == (7, 3, 1, 0)
    for bad in ("", "7,x", "-1", "100"):
        with pytest.raises(ValueError):
            parse_days(bad)


def test_an_extra_holiday_on_a_decreed_make_up_saturday_wins():
    assert not Calendar(range(2026, 2027), extra_holidays={D(2026, 8, 22)}).is_working(D(2026, 8, 22))
    assert Calendar(range(2026, 2027)).is_working(D(2026, 8, 22))


def test_a_task_overdue_since_before_the_calendar_is_simply_very_overdue():
    cal = Calendar(range(2023, 2027))
    late = cal.between(D(2021, 12, 30), D(2025, 6, 30))
    assert late == cal.between(D(2022, 12, 31), D(2025, 6, 30)) and late > 500
    assert [d.kind for d in due_reminders("in_progress", D(2021, 12, 30), D(2025, 6, 30), POLICY, cal)] in (
        [], ["overdue", "head", "secretariat"])


def test_a_day_swept_on_time_leaves_only_today_once_its_time_has_come():
    friday, monday = D(2025, 6, 27), D(2025, 6, 30)
    assert days_to_sweep(friday, monday, True, CAL) == [monday]
    assert days_to_sweep(friday, monday, False, CAL) == []
    assert days_to_sweep(monday, monday, True, CAL) == []


def test_working_days_missed_while_no_worker_ran_are_owed_in_order_skipping_days_off():
    # Swept last on Friday 25/04/2025; back on Tuesday 06/05 before the sweep's time: the decreed Saturday 26/04
    # and 28–29/04 are owed, not the 30/4–1/5 holidays, the bridge day or the weekend, and not today yet.
    owed = days_to_sweep(D(2025, 4, 25), D(2025, 5, 6), False, CAL)
    assert owed == [D(2025, 4, 26), D(2025, 4, 28), D(2025, 4, 29), D(2025, 5, 5)]
    assert days_to_sweep(D(2025, 4, 25), D(2025, 5, 6), True, CAL) == owed + [D(2025, 5, 6)]


def test_a_long_outage_owes_only_the_last_ten_working_days():
    owed = days_to_sweep(D(2025, 6, 2), D(2025, 7, 31), True, CAL)
    assert len(owed) == 10 and owed[-1] == D(2025, 7, 31) and owed[0] == D(2025, 7, 18)
    assert days_to_sweep(D(2025, 6, 2), D(2025, 7, 31), True, CAL, limit=3) == owed[-3:]


def test_with_no_sweep_ever_only_today_is_owed_and_only_on_a_working_day_after_its_time():
    assert days_to_sweep(None, D(2025, 6, 30), True, CAL) == [D(2025, 6, 30)]
    assert days_to_sweep(None, D(2025, 6, 30), False, CAL) == []
    assert days_to_sweep(None, D(2025, 6, 28), True, CAL) == []  # a Saturday
