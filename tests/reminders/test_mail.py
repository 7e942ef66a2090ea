"""The digest's words and order in both languages, the MIME message, the file transport, SMTP addresses."""

import dataclasses
import datetime as dt
import email
import email.policy
import html as htmllib
import re

import pytest

from app import i18n, mail
from app.mail import FileTransport, SmtpTransport, build_message, parse_smtp_url
from app.settings import get_settings
from reminders.mail import compose_digest
from tests.builders import run

D = dt.date
MONDAY = D(2025, 6, 30)
BASE = get_settings().base_url

def item(kind, days, task_id, due, content="Rà soát văn bản", unit="Sở Tư pháp", number="1"):
    return {"recipient": 1, "kind": kind, "days": days, "task_id": task_id, "number": number, "content": content,
            "due_date": due, "field_name": "Cải cách thể chế", "plan_id": 1, "unit_name": unit}


def person(language="vi"):
    return {"id": 1, "email": "daumoi.a@example.vn", "full_name": "Nguyễn Văn An", "language": language,
            "reminder_hour": None}


ITEMS = [item("before", 3, 11, D(2025, 7, 3), "Sắp đến hạn"), item("due", 0, 12, MONDAY, "Hôm nay"),
         item("overdue", 2, 13, D(2025, 6, 26), "Trễ hai ngày", number="2.1")]


def visible(html: str) -> str:
    """What a reader sees of the HTML part: tags dropped, white space collapsed."""
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", "", html)))


def test_a_vietnamese_digest_names_the_person_and_each_tasks_deadline_and_link():
    subject, text, html = compose_digest(person(), MONDAY, ITEMS)
    assert subject == "[parplan] Nhắc hạn 30/06/2025: 3 nhiệm vụ (1 quá hạn)"
    for body in (text, visible(html)):
        assert "Kính gửi Nguyễn Văn An," in body and "Có 3 nhiệm vụ cần anh/chị lưu ý hôm nay." in body
        assert "Sở Tư pháp" in body and "Lĩnh vực: Cải cách thể chế" in body
        assert "03/07/2025 — còn 3 ngày làm việc" in body
        assert "30/06/2025 — hôm nay là hạn cuối" in body
        assert "quá hạn 2 ngày làm việc" in body and "2.1. Trễ hai ngày" in body
    assert f"{BASE}/tasks/13" in text and f"{BASE}/profile" in text
    assert f'<a href="{BASE}/tasks/13"' in html and f'<a href="{BASE}/profile"' in html and "Mở nhiệm vụ" in html


def test_a_digest_for_someone_who_chose_english_is_in_english():
    subject, text, html = compose_digest(person("en"), MONDAY, ITEMS[:2])
    assert subject == "[parplan] Deadline reminder 30 Jun 2025: 2 tasks"  # nothing overdue: no count of it
    assert "Dear Nguyễn Văn An," in text and "3 Jul 2025 — 3 working days left" in text
    assert "30 Jun 2025 — today is the deadline" in visible(html) and "Open the task" in html and "Kính gửi" not in html


def test_counts_are_plural_aware_in_english():
    subject, text, _ = compose_digest(person("en"), MONDAY, [item("overdue", 1, 13, D(2025, 6, 27))])
    assert subject == "[parplan] Deadline reminder 30 Jun 2025: 1 task (1 overdue)"
    assert "1 task needs your attention today." in text and "1 working day overdue" in text


def test_escalations_say_where_the_task_went():
    _, text, html = compose_digest(person(), MONDAY, [item("head", 5, 21, D(2025, 6, 20)),
                                                      item("secretariat", 10, 22, D(2025, 6, 13))])
    assert "quá hạn 5 ngày làm việc · chuyển lãnh đạo đơn vị" in text
    assert "quá hạn 10 ngày làm việc · chuyển Sở Nội vụ" in text
    assert "quá hạn 10 ngày làm việc · chuyển Sở Nội vụ" in visible(html)


def test_task_content_is_escaped_in_html_and_left_as_typed_in_text():
    hostile = item("due", 0, 31, MONDAY, content='<script>alert("x")</script> & co', unit="<b>Sở</b>")
    _, text, html = compose_digest(person(), MONDAY, [hostile])
    assert "<script>" not in html and "&lt;script&gt;alert(" in html and "&amp; co" in html
    assert "<b>Sở</b>" not in html and "&lt;b&gt;Sở&lt;/b&gt;" in html
    assert '<script>alert("x")</script> & co' in text


def test_units_are_sections_most_urgent_first_and_tasks_overdue_first_most_overdue_first():
    items = [item("before", 1, 41, D(2025, 7, 1), "B sắp hạn", unit="Sở Công Thương"),
             item("before", 7, 42, D(2025, 7, 9), "A còn bảy ngày"), item("due", 0, 43, MONDAY, "A hôm nay"),
             item("overdue", 4, 44, D(2025, 6, 24), "A trễ bốn"), item("secretariat", 10, 45, D(2025, 6, 13),
                                                                      "A trễ mười")]
    _, text, html = compose_digest(person(), MONDAY, items)
    order = ["Sở Tư pháp", "A trễ mười", "A trễ bốn", "A hôm nay", "A còn bảy ngày", "Sở Công Thương", "B sắp hạn"]
    for body in (text, html):
        positions = [body.index(s) for s in order]
        assert positions == sorted(positions), body
    assert "Sở Tư pháp (4 nhiệm vụ)" in text and "Sở Công Thương (1 nhiệm vụ)" in text


def test_composing_leaves_the_callers_locale_as_it_was():
    token = i18n.set_locale("en")
    try:
        compose_digest(person("vi"), MONDAY, ITEMS)
        assert i18n.get_locale() == "en"
    finally:
        token.var.reset(token)
    assert i18n.get_locale() == "vi"


def row(**changes):
    subject, text, html = compose_digest(person(), MONDAY, ITEMS)
    return {"id": 7, "to_address": "daumoi.a@example.vn", "day": MONDAY, "language": "vi", "subject": subject,
            "text": text, "html": html, "message_id": "", **changes}


def parse(data: bytes):
    return email.message_from_bytes(data, policy=email.policy.default)


def test_the_message_has_text_and_html_parts_and_the_same_id_every_time():
    first, again = build_message(row()), build_message(row())
    assert first["Message-ID"] == again["Message-ID"] == "<parplan-7-2025-06-30@parplan.local>"
    received = parse(first.as_bytes())
    assert received["Subject"] == "[parplan] Nhắc hạn 30/06/2025: 3 nhiệm vụ (1 quá hạn)"
    assert received["To"] == "daumoi.a@example.vn" and received["From"] == get_settings().mail_from
    assert received["Date"] is not None and received.get_content_type() == "multipart/alternative"
    plain, rich = received.get_body(("plain",)), received.get_body(("html",))
    assert "còn 3 ngày làm việc" in plain.get_content() and f'href="{BASE}/tasks/11"' in rich.get_content()
    assert max(first.as_bytes()) < 128  # 7-bit clean for any relay


def test_an_address_outside_ascii_is_written_in_utf8_in_its_header_never_as_an_encoded_word():
    data = mail.message_bytes(row(to_address="nguyễn@ví.vn"))
    assert "\nTo: nguyễn@ví.vn\n".encode() in data.replace(b"\r\n", b"\n") and b"=?utf-8?b?" not in data
    received = parse(data)
    assert received["To"] == "nguyễn@ví.vn" and received["Subject"].startswith("[parplan] Nhắc hạn 30/06/2025")
    assert "còn 3 ngày làm việc" in received.get_body(("plain",)).get_content()
    assert max(mail.message_bytes(row())) < 128  # an ASCII address keeps the message 7-bit clean


def test_the_file_transport_writes_one_file_however_often_an_email_is_sent(tmp_path):
    transport = FileTransport(tmp_path / "outbox")
    run(transport.send(row()))
    run(transport.send(row()))
    [path] = (tmp_path / "outbox").iterdir()  # no temporary file left behind either
    assert path.name == "2025-06-30-00000007.eml"
    assert parse(path.read_bytes())["Message-ID"] == "<parplan-7-2025-06-30@parplan.local>"


def test_smtp_addresses_give_port_tls_and_decoded_credentials():
    plain = parse_smtp_url("smtp://127.0.0.1")
    assert (plain.port, plain.start_tls, plain.use_tls, plain.username) == (25, False, False, None)
    starttls = parse_smtp_url("smtp://daumoi%40stp.gov.vn:p%40ss%3Aw%2Frd@mail.gov.vn?starttls=true")
    assert (starttls.port, starttls.start_tls, starttls.username, starttls.password) == (
        587, True, "daumoi@stp.gov.vn", "p@ss:w/rd")
    implicit = parse_smtp_url("smtps://mail.gov.vn:2465")
    assert (implicit.port, implicit.use_tls, implicit.start_tls) == (2465, True, False)
    for bad in ("http://mail.gov.vn", "smtp://", "smtp://mail.gov.vn?starttls=yes"):
        with pytest.raises(ValueError):
            parse_smtp_url(bad)


def test_the_transport_is_smtp_when_an_address_is_set_and_files_otherwise(monkeypatch):
    settings = get_settings()
    monkeypatch.setattr(mail, "get_settings", lambda: settings)
    default = mail.get_transport()
    assert isinstance(default, FileTransport) and default.outbox_dir == settings.outbox_dir
    smtp = dataclasses.replace(settings, smtp_url="smtps://mail.gov.vn")
    monkeypatch.setattr(mail, "get_settings", lambda: smtp)
    assert isinstance(mail.get_transport(), SmtpTransport) and mail.get_transport().server.port == 465


def test_a_line_break_in_a_header_is_refused_and_the_email_not_written(tmp_path):
    hostile = row(to_address="daumoi.a@example.vn\nBcc: someone@elsewhere.vn")
    with pytest.raises(ValueError):
        build_message(hostile)
    with pytest.raises(mail.Permanent):
        run(FileTransport(tmp_path).send(hostile))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["Sở Nội vụ", "Sở Nội vụ, phòng CCHC"])
def test_a_sender_named_in_vietnamese_keeps_its_name_and_address(monkeypatch, name):
    quoted = f'"{name}"' if "," in name else name
    settings = dataclasses.replace(get_settings(), mail_from=f"{quoted} <no-reply@snv.gov.vn>")
    monkeypatch.setattr(mail, "get_settings", lambda: settings)
    data = build_message(row()).as_bytes()
    [sender] = parse(data)["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (name, "no-reply@snv.gov.vn") and max(data) < 128
    assert parse(data)["Message-ID"] == "<parplan-7-2025-06-30@snv.gov.vn>"
