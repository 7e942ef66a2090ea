"""Closing a year: who may, on which dates, once; the page, the audit log and the command line."""

import datetime as dt

import pytest
from click.testing import CliRunner

from app import clock
from app.cli import main
from app.tables import AuditEvent
from plans.tables import YearClose
from tests.builders import count, run
from tests.years.helpers import CLOSED_ON, YEAR, close, old_plan
from years.actions import YearError, close_year

D = dt.date


def test_a_year_closes_once_and_the_act_is_in_the_audit_log(actors):
    row = close(actor=actors.secretariat)
    assert (row.year, row.closed_on, row.closed_by) == (YEAR, CLOSED_ON, actors.secretariat.id)
    with pytest.raises(YearError) as refused:
        close(on=D(YEAR + 1, 2, 1))
    assert "already closed" in str(refused.value) or "đã khóa sổ" in str(refused.value)
    assert count(YearClose) == 1
    [event] = AuditEvent.select().where(AuditEvent.action == "year_closed").run_sync()
    assert (event["target"], event["actor_id"]) == (str(YEAR), actors.secretariat.id)


@pytest.mark.parametrize("closed_on", [D(YEAR, 12, 30), clock.today() + dt.timedelta(days=1)])
def test_a_year_does_not_close_before_its_end_or_in_the_future(actors, closed_on):
    with pytest.raises(YearError) as refused:
        run(close_year(YEAR, closed_on, "", actors.secretariat, clock.now()))
    assert "closed_on" in refused.value.errors
    assert count(YearClose) == 0


def test_the_years_page_lists_each_year_and_the_secretariat_closes_one(web, actors):
    old_plan(actors.unit_a)
    web.login(actors.secretariat)
    page = web.get("/years")
    assert page.status_code == 200
    assert f'data-year="{YEAR}"' in page.text and f'href="/years/{YEAR}/close"' in page.text
    form = web.get(f"/years/{YEAR}/close")
    assert form.status_code == 200 and "không thể mở lại" in form.text.lower()  # what closing means, first
    bad = web.post(f"/years/{YEAR}/close", {"closed_on": f"30/12/{YEAR}", "note": ""})
    assert bad.status_code == 400 and 'data-error="closed_on"' in bad.text and count(YearClose) == 0
    done = web.post(f"/years/{YEAR}/close", {"closed_on": CLOSED_ON.strftime("%d/%m/%Y"), "note": "Theo QĐ 12"})
    assert done.status_code == 303
    listed = web.get("/years").text
    assert CLOSED_ON.strftime("%d/%m/%Y") in listed and "Theo QĐ 12" in listed
    again = web.post(f"/years/{YEAR}/close", {"closed_on": CLOSED_ON.strftime("%d/%m/%Y"), "note": ""})
    assert again.status_code == 409 and 'data-error="year"' in again.text
    assert count(YearClose) == 1


@pytest.mark.parametrize("who", ["focal_a", "head_a", "steering"])
def test_only_the_secretariat_and_the_admin_close_a_year(web, actors, who):
    web.login(getattr(actors, who))
    assert web.get("/years").status_code == 403
    assert web.post(f"/years/{YEAR}/close", {"closed_on": CLOSED_ON.strftime("%d/%m/%Y")}).status_code == 403
    assert count(YearClose) == 0


def test_the_admin_closes_a_year_too(web, actors):
    web.login(actors.admin)
    assert web.post(f"/years/{YEAR}/close", {"closed_on": CLOSED_ON.strftime("%d/%m/%Y")}).status_code == 303
    assert count(YearClose) == 1


def test_the_command_line_closes_a_year_and_refuses_a_second_time():
    result = CliRunner().invoke(main, ["year", "close", str(YEAR), "--on", CLOSED_ON.isoformat()])
    assert result.exit_code == 0, result.output
    assert YearClose.select(YearClose.closed_on).first().run_sync()["closed_on"] == CLOSED_ON
    again = CliRunner().invoke(main, ["year", "close", str(YEAR), "--on", CLOSED_ON.isoformat()])
    assert again.exit_code != 0 and str(YEAR) in again.output
    early = CliRunner().invoke(main, ["year", "close", str(YEAR + 1), "--on", f"{YEAR + 1}-06-30"])
    assert early.exit_code != 0 and count(YearClose) == 1
