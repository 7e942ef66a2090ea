"""Review fixes on the units pages: bad input answers 400 with the reason, never 500."""

from __future__ import annotations

import pytest

from app.tables import Unit
from tests.builders import make_unit

pytestmark = pytest.mark.usefixtures("actors")
DECISION = {"decision_number": "1234/QĐ-UBND", "decision_date": "01/03/2026"}


def test_a_rename_too_long_is_refused_with_its_reason(web, actors):
    web.login(actors.secretariat)
    target = make_unit("STC", "Sở Tài chính")
    for values in ({"name": "Sở " + "x" * 300}, {"block": "K" * 200}):
        response = web.post(f"/units/{target.id}", {**values, **DECISION})
        assert response.status_code == 400, (values, response.status_code)
    row = Unit.objects().where(Unit.id == target.id).first().run_sync()
    assert row.name == "Sở Tài chính" and len(row.block) <= 128


def test_an_odd_account_key_on_an_end_is_not_a_500(web, actors):
    web.login(actors.secretariat)
    target = make_unit("STC", "Sở Tài chính")
    response = web.post(f"/units/{target.id}/end", {"account.²": "end", "accounts": "move", **DECISION})
    assert response.status_code < 500, response.text

