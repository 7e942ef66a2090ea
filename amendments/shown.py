"""How an amendment reads on its pages: the names of its statuses and acts, and each change as before -> after."""

from __future__ import annotations

from typing import Any

from amendments.rules import iso_date
from app.i18n import N_

STATUSES = {"draft": N_("Draft"), "submitted": N_("Waiting for approval"), "approved": N_("Approved"),
            "returned": N_("Returned for changes"), "withdrawn": N_("Withdrawn")}
EVENTS = {"created": N_("drafted the amendment"), "edited": N_("changed the draft"),
          "submitted": N_("submitted it for approval"), "returned": N_("returned it for changes"),
          "approved": N_("approved it: the changes apply"), "withdrawn": N_("withdrew it"),
          "file": N_("uploaded the signed document")}
WORDING = {"content": N_("Content"), "lead": N_("Lead unit"), "partners": N_("Cooperating units"),
           "output": N_("Output")}


def shown_changes(changes: list[dict[str, Any]], tasks: dict[int, dict[str, Any]],
                  amendment: dict[str, Any]) -> list[dict[str, Any]]:
    """Each change with `then`, the task's values it changes: as they were when the amendment was approved
    (kept in `before`), or as they stand now while it waits."""
    shown = []
    for change in changes:
        task = tasks.get(change["task"]) if change["task"] else None
        approved = amendment["status"] == "approved" and change["before"]
        then = dict(change["before"]) if approved else dict(task or {})
        for key in ("due_date", "cancelled_on"):
            if key in then:
                then[key] = iso_date(then[key])
        values = dict(change["values"] or {})
        values["due"] = iso_date(values.get("due"))
        shown.append({**change, "values": values, "then": then,
                      "label": task["label"] if task else change.get("task_number") or "",
                      "content": then.get("content") or change.get("task_content") or ""})
    return shown


MARKS = {"added": N_("Added by %(number)s of %(date)s"), "cancelled": N_("Cancelled by %(number)s of %(date)s"),
         "carried": N_("Carried over by %(number)s of %(date)s"),
         "amended": N_("Amended by %(number)s of %(date)s")}


def task_marks(changed: dict[int, list[dict[str, Any]]]) -> dict[int, list[dict[str, Any]]]:
    """{task id: its marks}, one per amendment and kind (a deadline and a wording changed by one amendment make
    one mark), from amendments.queries.changed_tasks."""
    marks: dict[int, list[dict[str, Any]]] = {}
    for task_id, changes in changed.items():
        seen = {}
        for c in changes:
            kind = ("added" if c["result_task"] == task_id else "cancelled" if c["action"] == "cancel"
                    else "carried" if c["action"] == "carry" else "amended")
            seen.setdefault((kind, c["amendment"]), {"kind": kind, "amendment": c["amendment"],
                                                     "number": c["amendment_number"], "date": c["amendment_date"]})
        marks[task_id] = list(seen.values())
    return marks
