"""Local rules as data, the sweep that proposes sanctions over them, the proposals the
authority decides, and accountability cases (issue 8 points 3, 4, 6, 8; TJ-8.1–8.3).

`propose` and `settle` are the interface the sanctions area builds on: both run in the caller's
transaction and leave the commit to it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, insert, select, update
from sqlalchemy.orm import aliased

from services.inspection.adapters.tables import complaints as complaint_tables
from services.inspection.adapters.tables import evaluations as evaluation_tables
from services.inspection.adapters.tables import findings as finding_tables
from services.inspection.adapters.tables import learned
from services.inspection.adapters.tables import proposals as tables
from services.inspection.contracts import proposals as events
from services.inspection.contracts import sanctions as sanction_events
from services.inspection.domain import proposals as rules
from services.inspection.domain.proposals import Facts, Rule
from shared import clock
from shared.db import UnitOfWork, insert_returning_id
from shared.errors import Conflict, NotFound, StateConflict
from shared.service import ServiceRuntime, Sweep

R, P = tables.local_rules, tables.sanction_proposals
CASES, OUTCOMES = tables.accountability_cases, tables.accountability_outcomes
LOOKBACK = timedelta(days=367)  # beyond the longest threshold a rule may set
OPEN = "open"

# --- local rules -------------------------------------------------------------------------------


def _current() -> Any:
    latest = select(R.c.rule_id, func.max(R.c.version).label("top")).group_by(R.c.rule_id)
    top = latest.subquery()
    return select(R).join(top, and_(R.c.rule_id == top.c.rule_id, R.c.version == top.c.top))


def list_rules(uow: UnitOfWork, active: bool | None = None) -> list[dict[str, Any]]:
    """The rules in force, each at its latest version, by ID."""
    query = _current().order_by(R.c.rule_id)
    if active is not None:
        query = query.where(R.c.active.is_(active))
    with uow:
        return [dict(row._mapping) for row in uow.session.execute(query)]


def current_params(uow: UnitOfWork, rule_id: str, trigger: str) -> dict[str, int]:
    """The parameters of the rule's latest version (active or paused), each parameter its
    trigger's default where the rule does not set it, or where there is no such rule."""
    query = _current().where(R.c.rule_id == rule_id, R.c.trigger == trigger)
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
    rule_id = rules.check_rule_id(body["rule_id"])
    trigger = rules.check_trigger(body["trigger"])
    values = {
        "rule_id": rule_id,
        "version": 1,
        "trigger": trigger,
        "params": rules.check_params(trigger, body.get("params")),
        "proposes": body["proposes"],
        "basis": rules.check_proposes(trigger, body["proposes"], body.get("basis")),
        "active": body.get("active", True),
        "description": rules.text(body.get("description"), "description"),
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
            "params": rules.check_params(trigger, params),
            "proposes": proposes,
            "basis": rules.check_proposes(trigger, proposes, body.get("basis")),
            "active": now["active"] if body.get("active") is None else body["active"],
            "description": rules.text(body.get("description") or now["description"], "description"),
            "note": rules.text(body.get("note"), "note"),
        }
        return _save_version(uow, values, actor)


def _save_version(uow: UnitOfWork, values: dict[str, Any], actor: str) -> dict[str, Any]:
    values = {**values, "changed_by": actor, "changed_at": clock.now()}
    uow.session.execute(insert(R).values(values))
    uow.emit(events.LOCAL_RULE_CHANGED.name, subject=values["rule_id"], data=values)
    uow.commit()  # the (rule_id, version) key: of two concurrent edits one is a 409
    return values


# --- proposals: the interface of the sanctions area --------------------------------------------


def propose(
    uow: UnitOfWork,
    *,
    kind: str,
    window_id: int,
    unit_code: str,
    basis: str,
    reason: str,
    findings: list[int],
    complaints: list[int],
    rule_id: str | None,
    dedupe_key: str,
    rule_version: int | None = None,
    facts: dict[str, Any] | None = None,
    actor: str = "system:sweep",
) -> int | None:
    """Record an open proposal and announce it to the authority; None when a proposal with
    the same key exists, open or settled: the same facts are proposed once only."""
    key = rules.compact_key(dedupe_key)
    if uow.session.execute(select(P.c.id).where(P.c.dedupe_key == key)).first():
        return None
    now = clock.now()
    values = {
        **{"kind": kind, "window_id": window_id, "unit_code": unit_code, "basis": basis},
        **{"reason": reason, "findings": sorted(findings), "complaints": sorted(complaints)},
        **{"facts": facts or {}, "rule_id": rule_id, "rule_version": rule_version},
        **{"dedupe_key": key, "status": OPEN, "proposed_by": actor, "proposed_at": now},
    }
    proposal_id = insert_returning_id(uow.session, P, values)
    data = {k: values[k] for k in events.SanctionProposedV1().fields if k in values}
    data.update(proposal_id=proposal_id)
    uow.emit(events.SANCTION_PROPOSED.name, subject=str(window_id), data=data)
    return proposal_id


def settle(
    uow: UnitOfWork,
    proposal_id: int,
    *,
    accepted: bool,
    sanction_id: int | None,
    decided_by: str,
    note: str,
    answers: tuple[str, int] | None = None,
) -> None:
    """Mark an open proposal decided; a Conflict if it was decided already. `answers` is the
    (kind, window) of the sanction decided, which must be the one proposed."""
    row = _proposal(uow, proposal_id)
    if answers is not None:
        rules.check_answers((row.kind, row.window_id), answers)
    if row.status != OPEN:
        raise StateConflict(f"proposal {proposal_id} was {row.status} already", field="proposal_id")
    now, outcome = clock.now(), "accepted" if accepted else "declined"
    changes: dict[str, Any] = {"status": outcome, "sanction_id": sanction_id}
    changes.update(decided_by=decided_by)
    changes.update(decided_at=now, note=note)
    done: Any = uow.session.execute(
        update(P).where(P.c.id == proposal_id, P.c.status == OPEN).values(changes)
    )
    if not done.rowcount:
        raise Conflict(f"proposal {proposal_id} was decided meanwhile", field="proposal_id")
    about = {k: row._mapping[k] for k in ("kind", "window_id", "unit_code")}
    data = {**about, "proposal_id": proposal_id, "outcome": outcome, "sanction_id": sanction_id}
    data.update(decided_by=decided_by, note=note, decided_at=now)
    uow.emit(events.PROPOSAL_SETTLED.name, subject=str(row.window_id), data=data)


def decline(uow: UnitOfWork, proposal_id: int, note: str, actor: str) -> dict[str, Any]:
    note = rules.text(note, "note")
    with uow:
        settle(uow, proposal_id, accepted=False, sanction_id=None, decided_by=actor, note=note)
        uow.commit()
    return get_proposal(uow, proposal_id)


def _proposal(uow: UnitOfWork, proposal_id: int) -> Any:
    row = uow.session.execute(select(P).where(P.c.id == proposal_id)).first()
    if row is None:
        raise NotFound(f"no proposal {proposal_id}", field="proposal_id")
    return row


def list_proposals(
    uow: UnitOfWork, query: dict[str, Any], after: int | None, limit: int
) -> list[dict[str, Any]]:
    """Newest first."""
    statement = select(P).order_by(P.c.id.desc()).limit(limit)
    for name in ("status", "window_id", "kind", "rule_id", "unit_code"):
        if query.get(name) is not None:
            statement = statement.where(P.c[name] == query[name])
    if after is not None:
        statement = statement.where(P.c.id < after)
    with uow:
        return [dict(row._mapping) for row in uow.session.execute(statement)]


def get_proposal(uow: UnitOfWork, proposal_id: int) -> dict[str, Any]:
    """The proposal with the rule version it applied and the facts it rests on."""
    with uow:
        row = dict(_proposal(uow, proposal_id)._mapping)
        rule = None
        if row["rule_id"] is not None:
            found = uow.session.execute(
                select(R).where(R.c.rule_id == row["rule_id"], R.c.version == row["rule_version"])
            ).first()
            rule = dict(found._mapping) if found else None
        c, f = complaint_tables.complaints, finding_tables.findings
        shown_c = select(c.c.id, c.c.number, c.c.staff_id, c.c.misconduct, c.c.decided_on)
        shown_f = select(f.c.id, f.c.severity, f.c.rule, f.c.summary, f.c.status, f.c.staff_id)
        return {
            **row,
            "rule": rule,
            "complaint_details": _rows(uow, shown_c.where(c.c.id.in_(row["complaints"]))),
            "finding_details": _rows(uow, shown_f.where(f.c.id.in_(row["findings"]))),
        }


def _rows(uow: UnitOfWork, statement: Any) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in uow.session.execute(statement)]


# --- the sweep ---------------------------------------------------------------------------------


def evaluate_rules(uow: UnitOfWork, today: date, actor: str = "system:sweep") -> list[int]:
    """Every active rule over the current facts; the proposals made (idempotent)."""
    made: list[int] = []
    with uow:
        active = [_rule(row) for row in uow.session.execute(_current().where(R.c.active))]
        if not active:
            return made
        facts = _facts(uow, today, {rule.trigger for rule in active})
        windows = {w.id: w for w in uow.session.execute(select(learned.windows))}
        for rule in active:
            for candidate in rules.evaluate(rule, facts, today, _used(uow, rule.rule_id)):
                window = windows.get(candidate.window_id)
                if window is None or not rules.fits_window(rule.proposes, window.state):
                    continue
                proposal_id = propose(
                    uow,
                    kind=rule.proposes,
                    window_id=window.id,
                    unit_code=window.unit_code,
                    basis=rule.basis,
                    reason=candidate.reason,
                    findings=list(candidate.findings),
                    complaints=list(candidate.complaints),
                    rule_id=rule.rule_id,
                    rule_version=rule.version,
                    facts=candidate.facts,
                    dedupe_key=candidate.dedupe_key,
                    actor=actor,
                )
                if proposal_id is not None:
                    made.append(proposal_id)
        uow.commit()  # the dedupe key: of two concurrent sweeps one is a 409, and tries later
    return made


def proposal_sweep(rt: ServiceRuntime) -> int:
    try:
        return len(evaluate_rules(rt.uow(actor="system:sweep"), clock.today()))
    except Conflict:
        return 0  # another worker proposed the same facts first


SWEEPS: tuple[Sweep, ...] = (Sweep("sanction-proposals", 3600, proposal_sweep),)


def _rule(row: Any) -> Rule:
    m = row._mapping
    params = rules.with_defaults(m["trigger"], m["params"])
    return Rule(m["rule_id"], m["version"], m["trigger"], params, m["proposes"], m["basis"])


def _used(uow: UnitOfWork, rule_id: str) -> frozenset[str]:
    """The facts earlier proposals of the rule rest on, whatever became of them."""
    query = select(P.c.window_id, P.c.complaints, P.c.findings, P.c.facts).where(
        P.c.rule_id == rule_id
    )
    used: set[str] = set()
    for row in uow.session.execute(query):
        used |= rules.tokens_of(row.window_id, row.complaints, row.findings, row.facts)
    return frozenset(used)


def _facts(uow: UnitOfWork, today: date, triggers: set[str]) -> Facts:
    since = today - LOOKBACK
    return Facts(
        complaints=_complaints(uow, since) if "concentrated_complaints" in triggers else (),
        findings=_findings(uow, since) if "serious_finding" in triggers else (),
        rankings=_rankings(uow) if "ranked_last" in triggers else (),
        orders=_orders(uow, today) if "order_overdue" in triggers else (),
    )


def _complaints(uow: UnitOfWork, since: date) -> list[rules.Complaint]:
    """Upheld complaints that stand: not replaced by a correction."""
    c = complaint_tables.complaints
    later = aliased(c)
    query = select(c.c.id, c.c.window_id, c.c.decided_on).where(
        c.c.status == "upheld",
        c.c.decided_on >= since,
        ~exists().where(later.c.corrects_id == c.c.id),
    )
    return [rules.Complaint(*row) for row in uow.session.execute(query)]


def _findings(uow: UnitOfWork, since: date) -> list[rules.Finding]:
    f = finding_tables.findings
    query = select(f.c.id, f.c.window_id, f.c.severity, f.c.recorded_on).where(
        f.c.status != "withdrawn", f.c.recorded_on >= since
    )
    return [rules.Finding(*row) for row in uow.session.execute(query)]


def _rankings(uow: UnitOfWork) -> list[rules.MonthRanking]:
    """The latest 13 published months, every window's place and evaluations in each."""
    entries = evaluation_tables.ranking_entries
    months: dict[str, list[rules.Place]] = {}
    query = select(entries.c.month, entries.c.window_id, entries.c.rank, entries.c.evaluations)
    query = query.where(
        entries.c.month.in_(
            select(evaluation_tables.rankings.c.month)
            .order_by(evaluation_tables.rankings.c.month.desc())
            .limit(13)
        )
    )
    for month, window_id, rank, evaluations in uow.session.execute(query):
        months.setdefault(month, []).append(rules.Place(window_id, rank, evaluations))
    return [rules.MonthRanking(month, tuple(places)) for month, places in months.items()]


def _orders(uow: UnitOfWork, today: date) -> list[rules.Order]:
    # Imported here: the sanctions area imports this module for `propose` and `settle`.
    from services.inspection.handlers import sanctions as ladder

    return [
        rules.Order(
            order_id=o["order_id"],
            window_id=o["window_id"],
            due_on=o["due_on"],
            findings=tuple(o.get("findings") or ()),
            complaints=tuple(o.get("complaints") or ()),
        )
        for o in ladder.open_orders_past_due(uow, today)
    ]


# --- accountability (TJ-8.3) -------------------------------------------------------------------


def open_case(uow: UnitOfWork, body: dict[str, Any], actor: str) -> dict[str, Any]:
    """Open a case against a staff member on the complaints and findings that concern them."""
    kind = rules.check_misconduct(body["kind"])
    staff_id = rules.text(body["staff_id"], "staff_id", 63)
    values: dict[str, Any] = {
        "kind": kind,
        "staff_id": staff_id,
        "summary": rules.text(body.get("summary"), "summary"),
        "district_office": rules.text(body.get("district_office"), "district_office", 200),
        "district_contact": rules.text(body.get("district_contact"), "district_contact", 200),
    }
    complaint_ids = sorted(set(body.get("complaints") or ()))
    finding_ids = sorted(set(body.get("findings") or ()))
    with uow:
        basis = _basis(uow, complaint_ids, finding_ids)
        window_id = rules.check_basis(staff_id, basis)
        window = uow.session.execute(
            select(learned.windows).where(learned.windows.c.id == window_id)
        )
        unit_code = window.one().unit_code
        district = uow.session.execute(
            select(learned.units.c.district).where(learned.units.c.code == unit_code)
        ).scalar()
        values.update(
            window_id=window_id,
            unit_code=unit_code,
            complaints=complaint_ids,
            findings=finding_ids,
            district=district or "",
            status="open",
            opened_by=actor,
            opened_at=clock.now(),
        )
        case_id = insert_returning_id(uow.session, CASES, values)
        row = _case_row(uow, case_id, None)
        _emit_case(uow, events.ACCOUNTABILITY_OPENED, row, opened_at=row.opened_at)
        uow.commit()
        return _case_view(uow, row)


def _basis(uow: UnitOfWork, complaint_ids: list[int], finding_ids: list[int]) -> list[Any]:
    c, f = complaint_tables.complaints, finding_tables.findings
    later = aliased(c)
    corrected = exists().where(later.c.corrects_id == c.c.id)
    found_c = {
        row.id: row
        for row in uow.session.execute(
            select(c, corrected.label("corrected")).where(c.c.id.in_(complaint_ids))
        )
    }
    found_f = {row.id: row for row in uow.session.execute(select(f).where(f.c.id.in_(finding_ids)))}
    for ids, found, name in (
        (complaint_ids, found_c, "complaints"),
        (finding_ids, found_f, "findings"),
    ):
        missing = [i for i in ids if i not in found]
        if missing:
            raise NotFound(f"no {name[:-1]} {missing[0]}", field=name)
    basis = [
        rules.Basis(
            "complaint",
            row.id,
            row.window_id,
            row.staff_id,
            row.status == "upheld" and not row.corrected,
            row.misconduct,
        )
        for row in found_c.values()
    ]
    basis += [
        rules.Basis("finding", row.id, row.window_id, row.staff_id, row.status != "withdrawn")
        for row in found_f.values()
    ]
    return basis


def record_opinion(
    uow: UnitOfWork, case_id: int, body: dict[str, Any], actor: str
) -> dict[str, Any]:
    """The district's opinion on the case (TJ-8.3: handled jointly); a later one is recorded
    over an earlier one only before the case is concluded."""
    opinion = rules.text(body.get("opinion"), "opinion")
    given_by = rules.text(body.get("given_by"), "given_by", 200)
    with uow:
        row = _case_row(uow, case_id, None)
        if row.status == "concluded":
            raise StateConflict(f"accountability case {case_id} is concluded", field="opinion")
        now = clock.now()
        changes: dict[str, Any] = {
            "district_opinion": opinion,
            "opinion_given_by": given_by,
            "status": "heard",
        }
        changes.update(opinion_recorded_by=actor, opinion_recorded_at=now)
        uow.session.execute(update(CASES).where(CASES.c.id == case_id).values(changes))
        row = _case_row(uow, case_id, None)
        _emit_case(uow, events.DISTRICT_OPINION_RECORDED, row, given_by=given_by, recorded_at=now)
        uow.commit()
        return _case_view(uow, row)


def conclude(uow: UnitOfWork, case_id: int, body: dict[str, Any], actor: str) -> dict[str, Any]:
    """The outcome, once the district has been heard; a concluded case is corrected instead."""
    outcome = rules.check_outcome(body["outcome"])
    reasons = rules.text(body.get("reasons"), "reasons")
    with uow:
        row = _case_row(uow, case_id, None)
        rules.check_heard(row.district_opinion, case_id)
        if row.status == "concluded":
            raise StateConflict(
                f"accountability case {case_id} is concluded: correct its outcome instead",
                field="outcome",
            )
        done: Any = uow.session.execute(
            update(CASES)
            .where(CASES.c.id == case_id, CASES.c.status != "concluded")
            .values(status="concluded")
        )
        if not done.rowcount:
            raise Conflict(f"accountability case {case_id} was concluded meanwhile")
        _decide(uow, row, outcome, reasons, actor, None)
        uow.commit()
        return _case_view(uow, row)


def correct_outcome(
    uow: UnitOfWork, case_id: int, body: dict[str, Any], actor: str
) -> dict[str, Any]:
    """A new outcome that replaces the one standing; the earlier stays on record."""
    outcome = rules.check_outcome(body["outcome"])
    reasons = rules.text(body.get("reasons"), "reasons")
    with uow:
        row = _case_row(uow, case_id, None)
        standing = _outcomes(uow, case_id)
        if not standing:
            raise StateConflict(
                f"accountability case {case_id} is not concluded yet", field="outcome"
            )
        _decide(uow, row, outcome, reasons, actor, standing[-1])
        uow.commit()
        return _case_view(uow, row)


def _decide(
    uow: UnitOfWork, row: Any, outcome: str, reasons: str, actor: str, earlier: Any
) -> None:
    """Record the outcome and announce it: to staffing as the staff member's assessment input,
    and, when it sanctions (or no longer does), as a sanction of kind accountability."""
    now = clock.now()
    values = {"case_id": row.id, "outcome": outcome, "reasons": reasons, "decided_by": actor}
    values["rule"] = rules.RULE_ACCOUNTABILITY
    values.update(decided_at=now, corrects_id=earlier.id if earlier else None)
    outcome_id = insert_returning_id(uow.session, OUTCOMES, values)
    _emit_case(
        uow,
        events.ACCOUNTABILITY_CONCLUDED,
        row,
        outcome_id=outcome_id,
        outcome=outcome,
        rule=rules.RULE_ACCOUNTABILITY,
        concluded_at=now,
        corrects_outcome_id=earlier.id if earlier else None,
        previous_outcome=earlier.outcome if earlier else None,
    )
    before = earlier is not None and rules.sanctions(earlier.outcome)
    if rules.sanctions(outcome) != before:
        event = (
            sanction_events.SANCTION_IMPOSED
            if rules.sanctions(outcome)
            else sanction_events.SANCTION_LIFTED
        )
        sanction = {
            "sanction_id": row.id,
            "kind": "accountability",
            "window_id": row.window_id,
            "unit_code": row.unit_code,
            "basis": rules.RULE_ACCOUNTABILITY,
            "reason": f"{row.kind} by staff member {row.staff_id}: {outcome} · {reasons}",
            "at": now,
            "district": row.district,
            "findings": row.findings,
            "complaints": row.complaints,
            "decided_by": actor,
            "case_id": row.id,
        }
        # The case is the subject: apart from the ladder's sanctions, whose subjects are their ids.
        uow.emit(event.name, subject=f"accountability:{row.id}", data=sanction)


def _outcomes(uow: UnitOfWork, case_id: int) -> list[Any]:
    query = select(OUTCOMES).where(OUTCOMES.c.case_id == case_id).order_by(OUTCOMES.c.id)
    return list(uow.session.execute(query))


def get_case(uow: UnitOfWork, case_id: int, unit: str | None) -> dict[str, Any]:
    with uow:
        return _case_view(uow, _case_row(uow, case_id, unit))


def list_cases(
    uow: UnitOfWork, query: dict[str, Any], unit: str | None, after: int | None, limit: int
) -> list[dict[str, Any]]:
    """Newest first; a unit sees its own staff's."""
    statement = select(CASES).order_by(CASES.c.id.desc()).limit(limit)
    if unit is not None:
        statement = statement.where(CASES.c.unit_code == unit)
    for name in ("status", "staff_id", "window_id", "kind", "unit_code"):
        if query.get(name) is not None:
            statement = statement.where(CASES.c[name] == query[name])
    if after is not None:
        statement = statement.where(CASES.c.id < after)
    with uow:
        return [_case_view(uow, row) for row in uow.session.execute(statement).all()]


def _case_row(uow: UnitOfWork, case_id: int, unit: str | None) -> Any:
    statement = select(CASES).where(CASES.c.id == case_id)
    if unit is not None:
        statement = statement.where(CASES.c.unit_code == unit)
    row = uow.session.execute(statement).first()
    if row is None:
        raise NotFound(f"no accountability case {case_id}")
    return row


def _case_view(uow: UnitOfWork, row: Any) -> dict[str, Any]:
    outcomes = [dict(o._mapping) for o in _outcomes(uow, row.id)]
    current = _case_row(uow, row.id, None)
    return {
        **current._mapping,
        "outcome": outcomes[-1]["outcome"] if outcomes else None,
        "outcomes": outcomes,
    }


def _emit_case(uow: UnitOfWork, event: Any, row: Any, **extra: Any) -> None:
    keys = ("staff_id", "unit_code", "window_id", "kind", "findings", "complaints", "district")
    data = {"case_id": row.id, **{k: row._mapping[k] for k in keys}, **extra}
    if event is events.ACCOUNTABILITY_OPENED:
        data.update(district_office=row.district_office, district_contact=row.district_contact)
    uow.emit(event.name, subject=str(row.id), data=data)
