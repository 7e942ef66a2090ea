"""The province's list of units, as the secretariat receives it: an .xlsx built here, never a binary blob."""

from __future__ import annotations

import hashlib
import io

from openpyxl import Workbook

from app.settings import get_settings

HEADER = ("Mã đơn vị", "Tên đơn vị", "Loại", "Khối", "Email đầu mối", "Họ tên đầu mối", "Email lãnh đạo",
          "Họ tên lãnh đạo")


def units_xlsx(rows: list[tuple], header: tuple = HEADER, title: str = "DANH SÁCH ĐƠN VỊ") -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append([title])
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def kept_list(rows: list[tuple]) -> str:
    """A list uploaded and waiting for its confirmation (as /units/import leaves it); returns its digest."""
    body = units_xlsx(rows)
    digest = hashlib.sha256(body).hexdigest()
    folder = get_settings().var_dir / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"units-{digest}.upload").write_bytes(body)
    return digest
