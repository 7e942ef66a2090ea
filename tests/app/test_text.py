"""Text folding, search matching and Roman numerals: the one rule every domain compares names by."""

from app.text import fold, int_to_roman, matches, roman_to_int


def test_search_matching_ignores_case_and_diacritics():
    assert matches("tu phap", "Sở Tư pháp")
    assert matches("so TU", "Sở Tư pháp", "STP")
    assert not matches("cong thuong", "Sở Tư pháp")
    assert matches("", "anything")


def test_folding_drops_diacritics_and_squeezes_spaces_the_same_for_composed_and_decomposed_text():
    assert fold("  Quý   II ") == "quy ii"
    assert fold("ĐIỀU HÀNH") == fold("đieu hanh") == "dieu hanh"
    assert fold("Tha\u0301ng") == fold("Tháng") == "thang"  # NFD as macOS writes it


def test_roman_numerals_read_and_write_both_ways():
    assert roman_to_int("II") == 2 and roman_to_int("iv.") == 4 and roman_to_int("XV") == 15
    assert roman_to_int("2") is None and roman_to_int("Mục") is None
    assert [int_to_roman(n) for n in (1, 4, 9, 14, 15)] == ["I", "IV", "IX", "XIV", "XV"]
    assert all(roman_to_int(int_to_roman(n)) == n for n in range(1, 16))
