"""Facility rules (opening hours, closed days, capacity) as stored JSON <-> domain FacilityRule."""

from __future__ import annotations

import json
from datetime import date, time

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from kiosk.domain.model import FacilityRule

from .tables import FacilityRule as RuleRow

_t = RuleRow.__table__


def encode_hours(rule: FacilityRule) -> str:
    return json.dumps({str(d): [[a.isoformat(), b.isoformat()] for a, b in iv]
                       for d, iv in sorted(rule.hours.items())})


_GET = select(_t.c.hours_json, _t.c.closed_days_json, _t.c.capacity).where(
    _t.c.facility == bindparam("facility"))


def get(conn: Connection, facility: str) -> FacilityRule | None:
    row = conn.execute(_GET, {"facility": facility}).first()
    if row is None:
        return None
    hours_json, closed_json, capacity = row
    hours = {int(d): tuple((time.fromisoformat(a), time.fromisoformat(b)) for a, b in iv)
             for d, iv in json.loads(hours_json).items()}
    closed = frozenset(date.fromisoformat(d) for d in json.loads(closed_json))
    return FacilityRule(facility=facility, hours=hours, closed_days=closed, capacity=capacity)


_SOURCE = select(_t.c.source).where(_t.c.facility == bindparam("facility"))


def source(conn: Connection, facility: str) -> str | None:
    """Who set the facility's rule: "config", "central", or None when there is none."""
    return conn.execute(_SOURCE, {"facility": facility}).scalar()


def put(conn: Connection, rule: FacilityRule, source: str) -> None:
    values = {
        "facility": rule.facility,
        "hours_json": encode_hours(rule),
        "closed_days_json": json.dumps(sorted(d.isoformat() for d in rule.closed_days)),
        "capacity": rule.capacity,
        "source": source,
    }
    stmt = sqlite_insert(_t).values(**values)
    conn.execute(stmt.on_conflict_do_update(index_elements=[_t.c.facility], set_=values))


def delete(conn: Connection, facility: str) -> None:
    conn.execute(_t.delete().where(_t.c.facility == facility))
