"""The pure rules of a year's end: when a year may close, how a deadline moves to the next year's plan."""

import datetime as dt

from years.rules import close_error, matching_field, move_due_text, year_later

D = dt.date


def test_a_year_closes_on_or_after_its_last_day_and_not_in_the_future():
    today = D(2026, 1, 20)
    assert close_error(2025, D(2025, 12, 31), today) is None
    assert close_error(2025, D(2026, 1, 15), today) is None
    assert "31/12/2025" in close_error(2025, D(2025, 12, 30), today)
    assert close_error(2025, D(2026, 1, 21), today) is not None
    assert close_error(2026, D(2026, 1, 20), today) is not None  # the year has not ended


def test_a_deadline_moves_a_year_on_and_29_february_becomes_28():
    assert year_later(D(2025, 6, 30)) == D(2026, 6, 30)
    assert year_later(D(2024, 2, 29)) == D(2025, 2, 28)
    assert year_later(D(2023, 3, 31), 2) == D(2025, 3, 31)


def test_a_deadline_as_written_moves_its_plan_years_and_leaves_other_numbers():
    assert move_due_text("Quý II/2025", 2025, 2026) == "Quý II/2026"
    assert move_due_text("Tháng 12/2025", 2025, 2026) == "Tháng 12/2026"
    assert move_due_text("Trước ngày 15/12/2025", 2025, 2026) == "Trước ngày 15/12/2026"
    assert move_due_text("Quý I/2026 (báo cáo năm 2025)", 2025, 2026) == "Quý I/2027 (báo cáo năm 2026)"
    assert move_due_text("Theo Nghị định 30/2020", 2025, 2026) == "Theo Nghị định 30/2020"
    assert move_due_text("Thường xuyên", 2025, 2026) == "Thường xuyên"
    assert move_due_text("Kế hoạch CCHC năm 2025", 2025, 2026) == "Kế hoạch CCHC năm 2026"
    assert move_due_text("12025", 2025, 2026) == "12025"  # not a year of its own
    assert move_due_text("Trước 29/02/2024", 2024, 2025) == "Trước 28/02/2025"  # as the date becomes
    assert move_due_text("Trước 29/2/2027", 2027, 2028) == "Trước 29/2/2028"


def test_the_field_that_continues_an_old_one_is_found_by_its_name_without_diacritics():
    fields = [{"id": 1, "name": "Cải cách thể chế"}, {"id": 2, "name": "CẢI CÁCH THỦ TỤC HÀNH CHÍNH"}]
    assert matching_field("cai cach thu tuc hanh chinh", fields)["id"] == 2
    assert matching_field("Cải cách thể chế ", fields)["id"] == 1
    assert matching_field("Chuyển đổi số", fields) is None
