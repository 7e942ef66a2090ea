"""Whose plan a file says it is, against the unit chosen for the import: pure, no database."""

import datetime as dt
from pathlib import Path

import pytest

from app import i18n
from plans.issuer import foreign_marks, issuer_warning
from plans.parsed import ParsedPlan
from plans.spreadsheet import read_plan

pytestmark = pytest.mark.only_db("sqlite")  # a file and two names in, a warning out: no database involved

GOOD = Path(__file__).resolve().parents[3] / "shared" / "data" / "ke-hoach-cchc-2024-so-tu-phap.xlsx"


def plan(doc_number: str = "", issuer: str = "") -> ParsedPlan:
    return ParsedPlan(2024, "Kế hoạch CCHC năm 2024", doc_number, dt.date(2024, 1, 18), [], issuer=issuer)


def test_a_units_own_file_gives_no_warning():
    assert issuer_warning(read_plan(GOOD), "STP", "Sở Tư pháp") is None


def test_another_units_file_is_flagged_naming_what_it_says_and_the_unit_chosen():
    warning = issuer_warning(read_plan(GOOD), "SCT", "Sở Công Thương")
    assert warning == ("Tệp ghi “15/KH-STP”, “SỞ TƯ PHÁP”, không phải Sở Công Thương (SCT): có thể đây là kế hoạch "
                       "của đơn vị khác.")


@pytest.fixture
def english():
    token = i18n.set_locale("en")
    yield
    i18n._current.reset(token)


def test_it_warns_in_english(english):
    warning = issuer_warning(read_plan(GOOD), "SCT", "Sở Công Thương")
    assert warning.startswith("The file names “15/KH-STP”, “SỞ TƯ PHÁP”, not Sở Công Thương (SCT)")


def test_a_copied_file_with_only_the_document_number_left_unchanged_is_still_flagged():
    assert foreign_marks(plan("15/KH-STP", "SỞ CÔNG THƯƠNG"), "SCT", "Sở Công Thương") == ["15/KH-STP"]


def test_a_masthead_naming_another_unit_is_flagged_without_a_document_number():
    assert foreign_marks(plan("", "SỞ TƯ PHÁP"), "SCT", "Sở Công Thương") == ["SỞ TƯ PHÁP"]


def test_a_file_that_names_no_issuer_says_nothing():
    assert foreign_marks(plan(), "SCT", "Sở Công Thương") == []
    assert foreign_marks(plan("15/KH"), "SCT", "Sở Công Thương") == []  # no issuer code after the kind


def test_a_document_code_matches_the_units_initials_when_its_parplan_code_differs():
    agriculture = plan("12/KH-SNNMT", "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG")
    assert foreign_marks(agriculture, "NN", "Sở Nông nghiệp và Môi trường") == []
    assert foreign_marks(plan("12/KH-sct"), "CONGTHUONG", "Sở Công Thương") == []


def test_a_peoples_committee_signs_ubnd_and_its_masthead_names_the_commune():
    commune = plan("08/KH-UBND", "UBND XÃ QUẢNG SƠN")
    assert foreign_marks(commune, "XQS", "Xã Quảng Sơn") == []
    assert foreign_marks(commune, "XDS", "Xã Đắk Song") == ["UBND XÃ QUẢNG SƠN"]
    assert foreign_marks(plan("", "ỦY BAN NHÂN DÂN XÃ QUẢNG SƠN"), "X1", "UBND xã Quảng Sơn") == []


def test_a_longer_unit_name_still_matches_its_masthead():
    assert foreign_marks(plan("", "SỞ TƯ PHÁP"), "STP", "Sở Tư pháp tỉnh Đắk Nông") == []


def test_names_match_on_whole_words_so_a_neighbouring_ward_is_not_taken_for_the_unit():
    south, ward = "UBND PHƯỜNG NAM GIA NGHĨA", "UBND PHƯỜNG GIA NGHĨA"
    assert foreign_marks(plan("", south), "XGN", "Phường Gia Nghĩa") == [south]
    assert foreign_marks(plan("", ward), "XNT", "Phường Nam Gia Nghĩa") == [ward]
