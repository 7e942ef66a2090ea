"""Shared by the years tests: a past year's plan, closed or about to be."""

import datetime as dt

from app import clock
from tests.builders import TaskSpec, make_plan, run

D = dt.date
YEAR = clock.today().year - 2  # a year long over, whatever today is
CLOSED_ON = D(YEAR + 1, 1, 15)


def old_plan(unit, year: int = YEAR):
    """A plan of `year`: I.1 done, I.2 under way, I.3 not started (Quý II), II.1 cancelled, II.2 not started."""
    return make_plan(unit, year, {
        "Cải cách thể chế": [TaskSpec("Rà soát văn bản", D(year, 6, 30), "done", D(year, 6, 1)),
                             TaskSpec("Xây dựng quy chế", D(year, 9, 30), "in_progress"),
                             TaskSpec("Đánh giá thủ tục", D(year, 6, 30))],
        "Cải cách thủ tục hành chính": [TaskSpec("Bỏ việc cũ", D(year, 3, 31), "cancelled",
                                                 cancelled_on=D(year, 2, 1)),
                                        TaskSpec("Số hóa hồ sơ", D(year, 12, 31))]},
        title=f"Kế hoạch CCHC năm {year}")


def close(year: int = YEAR, on: dt.date = CLOSED_ON, actor=None):
    from years.actions import close_year

    return run(close_year(year, on, "Khóa sổ", actor, clock.now()))


def bearer(user) -> dict[str, str]:
    """The API takes bearer tokens, never the session cookie; made now (a token expires)."""
    from app.tokens import create_token

    return {"Authorization": f"Bearer {run(create_token(user, 'test', clock.now()))}"}
