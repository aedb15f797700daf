"""Local rules as data (issue 8 point 3): each change a new version, so a proposal names the
version it was made under; `current_params` is what the sanctions area reads of them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, insert, select

from services.inspection.adapters.tables import proposals as tables
from services.inspection.contracts import proposals as events
from services.inspection.domain import accountability as accountability_rules
from services.inspection.domain import local_rules as local_rule_checks
from services.inspection.domain import proposals as rules
from shared import clock
from shared.errors import Conflict, NotFound
from shared.unit_of_work import UnitOfWork

R = tables.local_rules


def current_versions() -> Any:
    latest = select(R.c.rule_id, func.max(R.c.version).label("top")).group_by(R.c.rule_id)
    top = latest.subquery()
    return select(R).join(top, and_(R.c.rule_id == top.c.rule_id, R.c.version == top.c.top))


def list_rules(uow: UnitOfWork, active: bool | None = None) -> list[dict[str, Any]]:
    """The rules in force, each at its latest version, by ID."""
    query = current_versions().order_by(R.c.rule_id)
    if active is not None:
        query = query.where(R.c.active.is_(active))
    with uow:
        return [dict(row._mapping) for row in uow.session.execute(query)]


def current_params(uow: UnitOfWork, rule_id: str, trigger: str) -> dict[str, int]:
    """The parameters of the rule's latest version (active or paused), each parameter its
    trigger's default where the rule does not set it, or where there is no such rule."""
    query = current_versions().where(R.c.rule_id == rule_id, R.c.trigger == trigger)
    row = uow.session.execute(query).first()
    return rules.with_defaults(trigger, row.params if row is not None else {})


def get_rule(uow: UnitOfWork, rule_id: str) -> dict[str, Any]:
    """The rule at its latest version, with every version before it."""
    with uow:
        rows = _versions(uow, rule_id)
    return {**rows[-1], "versions": rows}


def _versions(uow: UnitOfWork, rule_id: str) -> list[dict[str, Any]]:
    query = select(R).where(R.c.rule_id == rule_id.strip().upper()).order_by(R.c.version)
    rows = [dict(row._mapping) for row in uow.session.execute(query)]
    if not rows:
        raise NotFound(f"no local rule {rule_id}", field="rule_id")
    return rows


def create_rule(uow: UnitOfWork, body: dict[str, Any], actor: str) -> dict[str, Any]:
    rule_id = local_rule_checks.check_rule_id(body["rule_id"])
    trigger = local_rule_checks.check_trigger(body["trigger"])
    values = {
        "rule_id": rule_id,
        "version": 1,
        "trigger": trigger,
        "params": local_rule_checks.check_params(trigger, body.get("params")),
        "proposes": body["proposes"],
        "basis": local_rule_checks.check_proposes(trigger, body["proposes"], body.get("basis")),
        "active": body.get("active", True),
        "description": accountability_rules.text(body.get("description"), "description"),
        "note": (body.get("note") or "").strip() or "created",
    }
    with uow:
        if uow.session.execute(select(R.c.id).where(R.c.rule_id == rule_id)).first():
            raise Conflict(f"local rule {rule_id} exists: change it instead", field="rule_id")
        return _save_version(uow, values, actor)


def change_rule(uow: UnitOfWork, rule_id: str, body: dict[str, Any], actor: str) -> dict[str, Any]:
    """A new version with the changes; the earlier versions stay as they were."""
    with uow:
        now = _versions(uow, rule_id)[-1]
        trigger = now["trigger"]
        proposes = body.get("proposes") or now["proposes"]
        params = {**now["params"], **(body.get("params") or {})}
        values = {
            "rule_id": now["rule_id"],
            "version": now["version"] + 1,
            "trigger": trigger,
            "params": local_rule_checks.check_params(trigger, params),
            "proposes": proposes,
            "basis": local_rule_checks.check_proposes(trigger, proposes, body.get("basis")),
            "active": now["active"] if body.get("active") is None else body["active"],
            "description": accountability_rules.text(
                body.get("description") or now["description"], "description"
            ),
            "note": accountability_rules.text(body.get("note"), "note"),
        }
        return _save_version(uow, values, actor)


def _save_version(uow: UnitOfWork, values: dict[str, Any], actor: str) -> dict[str, Any]:
    values = {**values, "changed_by": actor, "changed_at": clock.now()}
    uow.session.execute(insert(R).values(values))
    uow.emit(events.LOCAL_RULE_CHANGED.name, subject=values["rule_id"], data=values)
    uow.commit()  # the (rule_id, version) key: of two concurrent edits one is a 409
    return values
