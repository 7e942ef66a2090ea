import datetime as dt

import pytest

from app.i18n import set_locale
from plans.rules import guess_component
from tasks.deadlines import DeadlineError, parse_deadline

D = dt.date


@pytest.mark.parametrize("text, due", [
    ("Tháng 6/2024", D(2024, 6, 30)),
    ("Tháng 01/2024", D(2024, 1, 31)),
    ("tháng 2", D(2024, 2, 29)),  # the plan's year, a leap year
    ("Tháng 6 năm 2024", D(2024, 6, 30)),
    ("Quý II/2024", D(2024, 6, 30)),
    ("Quý 2", D(2024, 6, 30)),
    ("Quý I/2024", D(2024, 3, 31)),
    ("Quý III", D(2024, 9, 30)),
    ("Quý IV/2024", D(2024, 12, 31)),
    ("Quý II năm 2024", D(2024, 6, 30)),
    ("Trước 15/12/2024", D(2024, 12, 15)),
    ("Trước ngày 15/12/2024", D(2024, 12, 15)),
    ("trước ngày 30/6", D(2024, 6, 30)),
    ("15/12/2024", D(2024, 12, 15)),
    ("6 tháng đầu năm", D(2024, 6, 30)),
    ("9 tháng đầu năm", D(2024, 9, 30)),
    ("6 tháng cuối năm", D(2024, 12, 31)),
    ("Năm 2024", D(2024, 12, 31)),
    ("Thường xuyên", D(2024, 12, 31)),
    ("Cả năm", D(2024, 12, 31)),
    ("THUONG XUYEN", D(2024, 12, 31)),  # without diacritics, upper case
    ("Tháng 01/2025", D(2025, 1, 31)),  # the annual report may fall early in the next year
    ("Quý I/2025", D(2025, 3, 31)),
    ("Trước ngày 30 tháng 6 năm 2024", D(2024, 6, 30)),  # the official long form
    ("ngày 15 tháng 12", D(2024, 12, 15)),
    ("Cuối quý II", D(2024, 6, 30)),
    ("Thường xuyên, năm 2024", D(2024, 12, 31)),
])
def test_it_reads_every_deadline_form_written_in_real_plans(text, due):
    assert parse_deadline(text, 2024) == due


def test_it_takes_a_real_excel_date_as_it_is():
    assert parse_deadline(dt.datetime(2024, 5, 20, 0, 0), 2024) == D(2024, 5, 20)
    assert parse_deadline(D(2024, 5, 20), 2024) == D(2024, 5, 20)


def test_a_quarter_without_a_year_takes_the_plan_year():
    assert parse_deadline("Quý 1", 2025) == D(2025, 3, 31)
    assert parse_deadline("Thường xuyên", 2025) == D(2025, 12, 31)


@pytest.mark.parametrize("text, fragment", [
    ("Theo chỉ đạo của UBND tỉnh", "Không đọc được"),
    ("Tháng 13/2024", "tháng 13"),
    ("Quý V/2024", "quý V"),
    ("Quý I/2023", "ngoài năm kế hoạch"),
    ("Trước 15/12/2023", "ngoài năm kế hoạch"),
    ("Thường xuyên 2023", "ngoài năm kế hoạch"),
    ("Năm 2025", "ngoài năm kế hoạch"),
    ("Quý II/2025", "ngoài năm kế hoạch"),
    ("30 tháng 2 năm 2024", "không phải là ngày có thật"),
    ("31/02/2024", "không phải là ngày có thật"),
    ("", "trống"),
])
def test_an_unreadable_deadline_is_an_error_not_a_guess(text, fragment):
    with pytest.raises(DeadlineError) as caught:
        parse_deadline(text, 2024)
    assert fragment in str(caught.value)


def test_deadline_errors_speak_english_to_english_users():
    token = set_locale("en")
    try:
        with pytest.raises(DeadlineError, match="There is no month 13"):
            parse_deadline("Tháng 13/2024", 2024)
    finally:
        from app.i18n import _current

        _current.reset(token)


def test_it_maps_field_headings_to_par_components():
    assert guess_component("CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CẢI CÁCH HÀNH CHÍNH") == 1
    assert guess_component("Cải cách thủ tục hành chính") == 3
    assert guess_component("XÂY DỰNG VÀ PHÁT TRIỂN CHÍNH QUYỀN ĐIỆN TỬ, CHÍNH QUYỀN SỐ") == 7
    assert guess_component("Nhiệm vụ khác") is None
