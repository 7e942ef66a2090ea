"""Rights and refusals agree: who may open the scoring rules and the audit log, what the others are told,
and the navigation offering exactly the pages a role may open (app/access.py names each right)."""

from __future__ import annotations

import pytest

from scoring.tables import ScoringRule

ROLES = ("admin", "secretariat", "steering", "head_a", "focal_a", "focal_b")
SCORING_READERS = ("admin", "secretariat", "steering")
AUDIT_READERS = ("admin",)  # the security record: addresses and emails typed at sign-in
SCORING_REFUSED = "Chỉ Ban Chỉ đạo và Sở Nội vụ được xem quy tắc chấm điểm."
AUDIT_REFUSED = "Chỉ quản trị hệ thống được xem nhật ký hệ thống."


@pytest.fixture
def rule_id(web, actors) -> int:
    web.login(actors.secretariat)
    assert web.post("/scoring/rules", {"year": "2024", "block": "", "example": "stepped"}).status_code == 303
    return ScoringRule.select(ScoringRule.id).first().run_sync()["id"]


def answers(web, actors, url: str) -> dict[str, tuple[int, bool, bool]]:
    """For every role: the status, and whether the page names each of the two refusals."""
    seen = {}
    for who in ROLES:
        web.login(getattr(actors, who))
        page = web.get(url)
        seen[who] = (page.status_code, SCORING_REFUSED in page.text, AUDIT_REFUSED in page.text)
    return seen


def expected(readers: tuple[str, ...], scoring: bool) -> dict[str, tuple[int, bool, bool]]:
    return {who: (200, False, False) if who in readers else (403, scoring, not scoring) for who in ROLES}


@pytest.mark.parametrize("page", ["/scoring", "/scoring/rules/{id}", "/scoring/rules/{id}/history"])
def test_the_scoring_rules_are_read_by_the_board_readers_and_refused_to_units_saying_so(web, actors, rule_id, page):
    assert answers(web, actors, page.format(id=rule_id)) == expected(SCORING_READERS, scoring=True)


def test_the_audit_log_is_read_by_the_admin_only_and_refused_to_others_saying_so(web, actors):
    assert answers(web, actors, "/admin/audit") == expected(AUDIT_READERS, scoring=False)


def test_the_steering_committee_reads_the_rule_list_without_the_forms_that_change_it(web, actors, rule_id):
    web.login(actors.steering)
    page = web.get("/scoring").text
    assert f'href="/scoring/rules/{rule_id}/history"' in page
    assert 'action="/scoring/rules"' not in page and 'action="/scoring/rules/copy"' not in page
    web.login(actors.secretariat)
    assert 'action="/scoring/rules"' in web.get("/scoring").text


def test_the_navigation_offers_exactly_the_pages_each_role_may_open(web, actors):
    for who in ROLES:
        web.login(getattr(actors, who))
        page = web.get("/plans").text
        offered = ('href="/scoring"' in page, 'href="/admin/audit"' in page)
        assert offered == (who in SCORING_READERS, who in AUDIT_READERS), who
