"""Dates as people type them and as plans count them: pure rules, today passed in."""

import datetime as dt

import pytest

from app.dates import default_as_of, end_of_month, end_of_quarter, parse_date_input


@pytest.mark.parametrize("raw", ["2024-06-30", "30/06/2024", " 30/06/2024 "])
def test_a_typed_date_is_read_in_iso_or_the_vietnamese_order(raw):
    assert parse_date_input(raw) == dt.date(2024, 6, 30)


def test_an_empty_date_is_none_and_an_unreadable_one_an_error():
    assert parse_date_input("") is None and parse_date_input(None) is None and parse_date_input("  ") is None
    for raw in ("31/02/2024", "06/30/2024", "hôm qua"):
        with pytest.raises(ValueError):
            parse_date_input(raw)


def test_months_and_quarters_end_on_their_last_day():
    assert end_of_month(2024, 2) == dt.date(2024, 2, 29) and end_of_month(2023, 2) == dt.date(2023, 2, 28)
    assert [end_of_quarter(2024, q) for q in (1, 2, 3, 4)] == [
        dt.date(2024, 3, 31), dt.date(2024, 6, 30), dt.date(2024, 9, 30), dt.date(2024, 12, 31)]


def test_the_default_cut_off_is_today_for_this_year_and_the_last_day_for_a_past_one():
    today = dt.date(2025, 5, 14)
    assert default_as_of(2025, today) == today
    assert default_as_of(2024, today) == dt.date(2024, 12, 31)
