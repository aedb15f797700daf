"""The sweep that proposes sanctions over the local rules, and the proposals the authority
decides (issue 8 points 4, 6; TJ-8.1, TJ-8.2).

`propose` and `settle` are the interface the sanctions area builds on: both run in the caller's
transaction and leave the commit to it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.orm import aliased

from services.inspection.adapters.tables import complaints as complaint_tables
from services.inspection.adapters.tables import evaluations as evaluation_tables
from services.inspection.adapters.tables import findings as finding_tables
from services.inspection.adapters.tables import learned
from services.inspection.adapters.tables import proposals as tables
from services.inspection.contracts import proposals as events
from services.inspection.domain import accountability as accountability_rules
from services.inspection.domain import proposals as rules
from services.inspection.domain.proposals import Facts, Rule
from services.inspection.handlers import sanctions_read
from services.inspection.handlers.local_rules import current_versions
from shared import clock
from shared.db import insert_returning_id
from shared.errors import Conflict, NotFound, StateConflict
from shared.service import ServiceRuntime, Sweep
from shared.unit_of_work import UnitOfWork

R, P = tables.local_rules, tables.sanction_proposals
LOOKBACK = timedelta(days=367)  # beyond the longest threshold a rule may set
OPEN = "open"


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
        accountability_rules.check_answers((row.kind, row.window_id), answers)
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
    note = accountability_rules.text(note, "note")
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
        active = [_rule(row) for row in uow.session.execute(current_versions().where(R.c.active))]
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
    return [
        rules.Order(
            order_id=o["order_id"],
            window_id=o["window_id"],
            due_on=o["due_on"],
            findings=tuple(o.get("findings") or ()),
            complaints=tuple(o.get("complaints") or ()),
        )
        for o in sanctions_read.open_orders_past_due(uow, today)
    ]
