"""A task as the JSON API shows it: in a plan's fields (GET /api/plans/{id}) and after a change (PATCH /api/tasks)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass
class TaskOut:
    id: int
    number: str
    content: str
    lead: str
    partners: str
    output: str
    note: str
    due: dt.date
    due_text: str
    status: str
    state: str
    progress: int
    completed_on: dt.date | None
    version: int


def task_out(t: dict[str, Any]) -> TaskOut:
    """The task row, with its state already judged ("state"), in the API's shape."""
    return TaskOut(id=t["id"], number=t["number"], content=t["content"], lead=t["lead"], partners=t["partners"],
                   output=t["output"], note=t["note"], due=t["due_date"], due_text=t["due_text"],
                   status=t["status"], state=t["state"].value, progress=t["progress"],
                   completed_on=t["completed_on"], version=t["version"])
