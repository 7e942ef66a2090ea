"""Text as people type and read it: folding for search and matching, and Roman numerals.

Ground floor: several domains compare names and headings this way (plans read headings, the board sorts
and filters units, the pages search), so the one rule lives here.
"""

from __future__ import annotations

import functools
import re
import unicodedata

ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10,
         "xi": 11, "xii": 12, "xiii": 13, "xiv": 14, "xv": 15}


@functools.lru_cache(maxsize=65536)  # boards sort thousands of unit names by it on every request
def fold(text: str) -> str:
    """Lower-case, strip diacritics (đ -> d) and squeeze spaces: 'Quý II' -> 'quy ii'."""
    text = unicodedata.normalize("NFD", str(text)).replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return re.sub(r"\s+", " ", text).strip().lower()


def matches(query: str, *texts: str) -> bool:
    """Search as people type it: every word of the query, with or without diacritics ("tu phap" finds "Tư pháp")."""
    haystack = fold(" ".join(t or "" for t in texts))
    return all(word in haystack for word in fold(query).split())


def roman_to_int(text: str) -> int | None:
    """'II' or 'ii.' -> 2; None for anything that is not a numeral up to XV."""
    return ROMAN.get(fold(text).rstrip("."))


def int_to_roman(n: int) -> str:
    for value, numeral in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        if n >= value:
            return numeral + int_to_roman(n - value)
    return ""
