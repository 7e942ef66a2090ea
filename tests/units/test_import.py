"""Importing the province's list: a preview of every unit and account, or every error by row and cell; then all of
it or nothing, the accounts invited by link rather than given a password."""

from __future__ import annotations

import datetime as dt

from app.settings import get_settings
from app.tables import AuditEvent, CredentialLink, Unit, User
from tests.builders import count
from tests.units.lists import units_xlsx
from units.tables import UnitEvent

GOOD = [("SNV", "Sở Nội vụ", "Sở", "Khối sở, ban, ngành", "daumoi@snv.vn", "Nguyễn Văn A", "giamdoc@snv.vn",
         "Trần Thị B"),
        ("XDM", "Xã Đắk Mil", "Xã", "Khối xã, phường", "", "", "", ""),
        (101, "Phường Một", "commune", "Khối xã, phường", "daumoi@p1.vn", "", "", "")]


def upload(web, body: bytes):
    return web.post("/units/import", {}, files=[("file", ("danh-sach.xlsx", body, "application/octet-stream"))])


def digest_of(page: str) -> str:
    return page.split('name="digest" value="')[1].split('"')[0]


def test_a_list_is_previewed_then_saved_with_invitations(web, actors):
    web.login(actors.secretariat)
    preview = upload(web, units_xlsx(GOOD))
    assert preview.status_code == 200, preview.text
    assert 'data-unit="SNV"' in preview.text and 'data-unit="101"' in preview.text
    assert count(Unit) == 2  # nothing saved yet
    done = web.post("/units/import/confirm", {"digest": digest_of(preview.text), "effective_from": "01/07/2025"})
    assert done.status_code == 200, done.text
    snv = Unit.objects().where(Unit.code == "SNV").first().run_sync()
    assert (snv.name, snv.kind, snv.block, snv.effective_from) == ("Sở Nội vụ", "department", "Khối sở, ban, ngành",
                                                                   dt.date(2025, 7, 1))
    assert Unit.objects().where(Unit.code == "XDM").first().run_sync().kind == "commune"
    people = {u["email"]: u for u in User.select(User.email, User.role, User.unit.code.as_alias("code"),
                                                 User.full_name).where(User.email.like("%@%.vn")).run_sync()}
    assert people["daumoi@snv.vn"]["role"] == "focal_point" and people["giamdoc@snv.vn"]["role"] == "unit_head"
    assert people["daumoi@p1.vn"]["code"] == "101" and people["daumoi@snv.vn"]["full_name"] == "Nguyễn Văn A"
    invited = CredentialLink.select(CredentialLink.user.email.as_alias("email")).where(
        CredentialLink.purpose == "invite").run_sync()
    assert {r["email"] for r in invited} == {"daumoi@snv.vn", "giamdoc@snv.vn", "daumoi@p1.vn"}
    emails = [p.read_text(errors="replace") for p in get_settings().outbox_dir.rglob("*.eml")]
    assert any("daumoi@snv.vn" in e and "/password/reset/" in e for e in emails)
    assert UnitEvent.count().where(UnitEvent.action == "imported").run_sync() == 3
    assert AuditEvent.count().where(AuditEvent.action == "units_imported").run_sync() == 1


def test_every_error_is_named_by_row_and_cell_and_nothing_is_written(web, actors):
    rows = [("SNV", "Sở Nội vụ", "sở", "", "khong-phai-email", "", "", ""),
            ("snv", "Trùng mã", "sở", "", "", "", "", ""),
            ("STP", "Đã có", "sở", "", "", "", "", ""),
            ("X Y", "", "hành tinh", "", "", "", "", ""),
            ("SKT", "Sở Kinh tế", "sở", "", actors.focal_a.email, "", "", "")]
    web.login(actors.admin)
    response = upload(web, units_xlsx(rows))
    assert response.status_code == 400
    found = {(cell.split('data-error-row="')[1].split('"')[0], cell.split('data-error-column="')[1].split('"')[0])
             for cell in response.text.split("<tr ")[1:] if "data-error-row" in cell}
    assert {("3", "E"), ("4", "A"), ("5", "A"), ("6", "A"), ("6", "B"), ("6", "C"), ("7", "E")} <= found
    assert 'name="digest"' not in response.text
    assert count(Unit) == 2 and count(UnitEvent) == 0 and count(User) == 6


def test_a_list_without_the_required_columns_or_not_a_spreadsheet_is_refused(web, actors):
    web.login(actors.secretariat)
    no_header = upload(web, units_xlsx([("SNV", "Sở Nội vụ")], header=("Mã", "Tên")))
    not_xlsx = upload(web, b"%PDF-1.4 not a spreadsheet")
    assert no_header.status_code == 400 and 'id="import-errors"' in no_header.text
    assert not_xlsx.status_code == 400 and 'id="import-errors"' in not_xlsx.text
    assert count(Unit) == 2


def test_a_code_taken_between_the_preview_and_the_confirmation_saves_nothing(web, actors):
    web.login(actors.secretariat)
    preview = upload(web, units_xlsx(GOOD))
    Unit(code="XDM", name="Xã Đắk Mil", kind="commune").save().run_sync()
    response = web.post("/units/import/confirm", {"digest": digest_of(preview.text)})
    assert response.status_code == 400 and 'data-error-row="4"' in response.text
    assert count(Unit) == 3 and count(UnitEvent) == 0 and count(User) == 6


def test_the_steering_committee_cannot_import(web, actors):
    web.login(actors.steering)
    assert upload(web, units_xlsx(GOOD)).status_code == 403
    assert web.get("/units/import").status_code == 403
    assert count(Unit) == 2
