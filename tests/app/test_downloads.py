"""Content-Disposition, the one way every download is named: the exact name for browsers that read RFC 5987's
filename*, a readable ASCII fallback for the others, and nothing that could end or split the header."""

import re
from urllib.parse import unquote

import pytest

from app.downloads import content_disposition

HEADER = re.compile(r"attachment; filename=\"([^\"]*)\"; filename\*=UTF-8''([A-Za-z0-9%._~-]*)")


def parts(name: str) -> tuple[str, str]:
    """The ASCII fallback and the exact name a browser reads back from the header."""
    match = HEADER.fullmatch(content_disposition(name))
    assert match, content_disposition(name)
    return match[1], unquote(match[2], encoding="utf-8", errors="strict")


def test_a_vietnamese_name_comes_back_exactly_with_a_readable_ascii_fallback():
    name = "Báo cáo tổng kết CCHC năm 2024 (Sở Tư pháp) - Đợt 1.pdf"
    assert parts(name) == ("Bao cao tong ket CCHC nam 2024 (So Tu phap) - Dot 1.pdf", name)
    assert content_disposition("Kế hoạch.xlsx") == (
        "attachment; filename=\"Ke hoach.xlsx\"; filename*=UTF-8''K%E1%BA%BF%20ho%E1%BA%A1ch.xlsx")


@pytest.mark.parametrize("name, fallback", [
    ('bao "cao"; x=1.pdf', "bao _cao_; x=1.pdf"),
    ("bao\r\ncao\n.pdf", "bao__cao_.pdf"),
    ("thu\\muc\x00\x7f.pdf", "thu_muc__.pdf"),
    ("报告 2024.pdf", "__ 2024.pdf"),
    ("100% xong, tiền & việc.pdf", "100% xong, tien & viec.pdf"),
], ids=["quotes-and-semicolon", "line-breaks", "backslash-and-controls", "no-ascii-form", "percent-and-ampersand"])
def test_quotes_line_breaks_and_controls_cannot_end_or_split_the_header(name, fallback):
    header = content_disposition(name)
    assert "\r" not in header and "\n" not in header and all(32 <= ord(c) < 127 for c in header)
    assert parts(name) == (fallback, name)
