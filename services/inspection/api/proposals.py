"""Local rules as data, the sanctions they propose, and accountability cases (TJ-8.1, TJ-8.2,
TJ-8.3). A proposal is decided for through the sanctions endpoints with its `proposal_id`."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from services.inspection.domain import accountability as accountability_rules
from services.inspection.domain import proposals as rules
from services.inspection.handlers import accountability, local_rules
from services.inspection.handlers import proposals as handlers
from shared import auth, clock
from shared.errors import Conflict
from shared.pagination import PageQuery, decode_cursor, page
from shared.schemas import Schema, Text
from shared.web import require_principal, unit_of_work, unit_scope

rules_blp = Blueprint(
    "local-rules",
    __name__,
    url_prefix="/api/v1/local-rules",
    description="Local rules as data: thresholds that propose sanctions (TJ-8.1, TJ-8.2)",
)
proposals_blp = Blueprint(
    "proposals",
    __name__,
    url_prefix="/api/v1/proposals",
    description="Sanctions proposed by the local rules, for the authority to decide",
)
cases_blp = Blueprint(
    "accountability-cases",
    __name__,
    url_prefix="/api/v1/accountability-cases",
    description="Accountability of staff for misconduct, with the district (TJ-8.3)",
)
blueprints: list[Blueprint] = [rules_blp, proposals_blp, cases_blp]

READERS = ("authority", "center", "inspector")
PARAMS_DOC = {
    "description": "the trigger's thresholds: "
    + "; ".join(
        f"{t}: {', '.join(f'{n} {lo}–{hi} (default {d})' for n, (lo, hi, d) in p.items()) or '—'}"
        for t, p in rules.PARAMS.items()
    )
}


class LocalRuleIn(Schema):
    rule_id = fields.String(
        required=True, metadata={"description": "LR- and capitals, digits, hyphens"}
    )
    trigger = fields.String(required=True, validate=validate.OneOf(rules.TRIGGERS))
    params = fields.Dict(keys=fields.String(), load_default=dict, metadata=PARAMS_DOC)
    proposes = fields.String(required=True, validate=validate.OneOf(rules.PROPOSABLE))
    basis = fields.String(
        load_default=None, allow_none=True, metadata={"description": "TJ-8.1, TJ-8.2 or TJ-8.3"}
    )
    active = fields.Boolean(load_default=True)
    description = Text(required=True)
    note = fields.String(load_default=None, allow_none=True)


class LocalRuleChange(Schema):
    params = fields.Dict(keys=fields.String(), load_default=None, metadata=PARAMS_DOC)
    proposes = fields.String(load_default=None, validate=validate.OneOf(rules.PROPOSABLE))
    basis = fields.String(load_default=None, allow_none=True)
    active = fields.Boolean(load_default=None)
    description = Text(load_default=None)
    note = fields.String(required=True, metadata={"description": "why: kept with the version"})


class LocalRuleOut(Schema):
    rule_id = fields.String()
    version = fields.Integer()
    trigger = fields.String()
    params = fields.Dict()
    proposes = fields.String()
    basis = fields.String()
    active = fields.Boolean()
    description = fields.String()
    note = fields.String()
    changed_by = fields.String()
    changed_at = fields.DateTime()


class LocalRuleHistory(LocalRuleOut):
    versions = fields.List(fields.Nested(LocalRuleOut), metadata={"description": "oldest first"})


class LocalRuleQuery(Schema):
    active = fields.Boolean(load_default=None)


class RuleRunOut(Schema):
    proposed = fields.List(fields.Integer(), metadata={"description": "the proposals made"})


class ProposalOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    window_id = fields.Integer()
    unit_code = fields.String()
    basis = fields.String()
    reason = fields.String()
    findings = fields.List(fields.Integer())
    complaints = fields.List(fields.Integer())
    facts = fields.Dict()
    rule_id = fields.String(allow_none=True)
    rule_version = fields.Integer(allow_none=True)
    status = fields.String(metadata={"description": "open, accepted or declined"})
    proposed_by = fields.String()
    proposed_at = fields.DateTime()
    sanction_id = fields.Integer(allow_none=True)
    decided_by = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    note = fields.String(allow_none=True)


class ProposalDetail(ProposalOut):
    rule = fields.Nested(
        LocalRuleOut, allow_none=True, metadata={"description": "as it then stood"}
    )
    complaint_details = fields.List(fields.Dict())
    finding_details = fields.List(fields.Dict())


class ProposalPage(Schema):
    items = fields.List(fields.Nested(ProposalOut))
    next_cursor = fields.String(allow_none=True)


class ProposalQuery(PageQuery):
    status = fields.String(
        load_default=None, validate=validate.OneOf(["open", "accepted", "declined"])
    )
    window_id = fields.Integer(load_default=None)
    unit_code = fields.String(load_default=None)
    kind = fields.String(load_default=None, validate=validate.OneOf(rules.PROPOSABLE))
    rule_id = fields.String(load_default=None)


class ProposalDeclineIn(Schema):
    note = fields.String(required=True, metadata={"description": "why not"})


class AccountabilityCaseIn(Schema):
    staff_id = fields.String(required=True)
    kind = fields.String(
        required=True, metadata={"description": ", ".join(accountability_rules.MISCONDUCT)}
    )
    complaints = fields.List(fields.Integer(), load_default=list)
    findings = fields.List(fields.Integer(), load_default=list)
    summary = Text(required=True)
    district_office = fields.String(
        required=True, metadata={"description": "the district office handling it with us"}
    )
    district_contact = fields.String(required=True)


class DistrictOpinionIn(Schema):
    opinion = Text(required=True)
    given_by = fields.String(required=True, metadata={"description": "who in the district"})


class AccountabilityOutcomeIn(Schema):
    outcome = fields.String(
        required=True,
        metadata={"description": f"one of {', '.join(accountability_rules.OUTCOMES)}"},
    )
    reasons = fields.String(required=True)


class AccountabilityOutcomeOut(Schema):
    id = fields.Integer()
    outcome = fields.String()
    rule = fields.String(metadata={"description": "the rule applied (docs/rules.md): TJ-8.3"})
    reasons = fields.String()
    decided_by = fields.String()
    decided_at = fields.DateTime()
    corrects_id = fields.Integer(allow_none=True)


class AccountabilityCaseOut(Schema):
    id = fields.Integer()
    staff_id = fields.String()
    window_id = fields.Integer()
    unit_code = fields.String()
    kind = fields.String()
    complaints = fields.List(fields.Integer())
    findings = fields.List(fields.Integer())
    summary = fields.String()
    district = fields.String()
    district_office = fields.String()
    district_contact = fields.String()
    status = fields.String(metadata={"description": "open, heard (district) or concluded"})
    opened_by = fields.String()
    opened_at = fields.DateTime()
    district_opinion = fields.String(allow_none=True)
    opinion_given_by = fields.String(allow_none=True)
    opinion_recorded_at = fields.DateTime(allow_none=True)
    outcome = fields.String(allow_none=True, metadata={"description": "the one standing"})
    outcomes = fields.List(
        fields.Nested(AccountabilityOutcomeOut), metadata={"description": "oldest first"}
    )


class AccountabilityCasePage(Schema):
    items = fields.List(fields.Nested(AccountabilityCaseOut))
    next_cursor = fields.String(allow_none=True)


class AccountabilityCaseQuery(PageQuery):
    status = fields.String(load_default=None)
    staff_id = fields.String(load_default=None)
    window_id = fields.Integer(load_default=None)
    unit_code = fields.String(load_default=None)
    kind = fields.String(load_default=None)


@rules_blp.route("")
class LocalRules(MethodView):
    @auth.roles(*READERS)
    @rules_blp.arguments(LocalRuleQuery, location="query")
    @rules_blp.response(200, LocalRuleOut(many=True))
    def get(self, query: dict[str, Any]) -> Any:
        """The local rules in force, each at its latest version."""
        return local_rules.list_rules(unit_of_work(), query["active"])

    @auth.roles("authority")
    @rules_blp.arguments(LocalRuleIn)
    @rules_blp.response(201, LocalRuleOut)
    def post(self, body: dict[str, Any]) -> Any:
        """A new local rule: a trigger, its thresholds, the sanction it proposes."""
        return local_rules.create_rule(unit_of_work(), body, require_principal().actor)


@rules_blp.route("/evaluation")
class RuleEvaluation(MethodView):
    @auth.roles("authority")
    @rules_blp.response(200, RuleRunOut)
    def post(self) -> Any:
        """Run the hourly `sanction-proposals` sweep now: every active rule over today's facts."""
        actor = require_principal().actor
        try:
            return {"proposed": handlers.evaluate_rules(unit_of_work(), clock.today(), actor)}
        except Conflict:  # the worker's sweep proposed the same facts meanwhile: once more
            return {"proposed": handlers.evaluate_rules(unit_of_work(), clock.today(), actor)}


@rules_blp.route("/<rule_id>")
class LocalRule(MethodView):
    @auth.roles(*READERS)
    @rules_blp.response(200, LocalRuleHistory)
    def get(self, rule_id: str) -> Any:
        """A rule at its latest version, with every earlier version."""
        return local_rules.get_rule(unit_of_work(), rule_id)

    @auth.roles("authority")
    @rules_blp.arguments(LocalRuleChange)
    @rules_blp.response(200, LocalRuleOut)
    def patch(self, body: dict[str, Any], rule_id: str) -> Any:
        """Change thresholds, what it proposes, or switch it off: a new version, the old kept."""
        return local_rules.change_rule(unit_of_work(), rule_id, body, require_principal().actor)


@proposals_blp.route("")
class Proposals(MethodView):
    @auth.roles(*READERS)
    @proposals_blp.arguments(ProposalQuery, location="query")
    @proposals_blp.response(200, ProposalPage)
    def get(self, query: dict[str, Any]) -> Any:
        """Proposals, newest first."""
        after = decode_cursor(query["cursor"], int)
        rows = handlers.list_proposals(unit_of_work(), query, after, query["limit"] + 1)
        return page(rows, query["limit"], key=lambda row: row["id"])


@proposals_blp.route("/<int:proposal_id>")
class ProposalById(MethodView):
    @auth.roles(*READERS)
    @proposals_blp.response(200, ProposalDetail)
    def get(self, proposal_id: int) -> Any:
        """A proposal with the rule version it applied and the facts it rests on."""
        return handlers.get_proposal(unit_of_work(), proposal_id)


@proposals_blp.route("/<int:proposal_id>/decline")
class Decline(MethodView):
    @auth.roles("authority")
    @proposals_blp.arguments(ProposalDeclineIn)
    @proposals_blp.response(200, ProposalDetail)
    def post(self, body: dict[str, Any], proposal_id: int) -> Any:
        """Decline an open proposal with a note; its facts are not proposed again."""
        actor = require_principal().actor
        return handlers.decline(unit_of_work(), proposal_id, body["note"], actor)


@cases_blp.route("")
class Cases(MethodView):
    @auth.roles(*READERS, "unit")
    @cases_blp.arguments(AccountabilityCaseQuery, location="query")
    @cases_blp.response(200, AccountabilityCasePage)
    def get(self, query: dict[str, Any]) -> Any:
        """Accountability cases, newest first; a unit sees its own staff's."""
        after = decode_cursor(query["cursor"], int)
        rows = accountability.list_cases(
            unit_of_work(), query, unit_scope(), after, query["limit"] + 1
        )
        return page(rows, query["limit"], key=lambda row: row["id"])

    @auth.roles("authority")
    @cases_blp.arguments(AccountabilityCaseIn)
    @cases_blp.response(201, AccountabilityCaseOut)
    def post(self, body: dict[str, Any]) -> Any:
        """Open a case for buck-passing, soliciting favours or abuse of power (TJ-8.3) on upheld
        complaints and findings that concern the staff member, with the district office."""
        return accountability.open_case(unit_of_work(), body, require_principal().actor)


@cases_blp.route("/<int:case_id>")
class CaseById(MethodView):
    @auth.roles(*READERS, "unit")
    @cases_blp.response(200, AccountabilityCaseOut)
    def get(self, case_id: int) -> Any:
        return accountability.get_case(unit_of_work(), case_id, unit_scope())


@cases_blp.route("/<int:case_id>/district-opinion")
class DistrictOpinion(MethodView):
    @auth.roles("authority")
    @cases_blp.arguments(DistrictOpinionIn)
    @cases_blp.response(200, AccountabilityCaseOut)
    def post(self, body: dict[str, Any], case_id: int) -> Any:
        """The district's opinion: the case is decided with it (TJ-8.3)."""
        return accountability.record_opinion(
            unit_of_work(), case_id, body, require_principal().actor
        )


@cases_blp.route("/<int:case_id>/conclusion")
class Conclusion(MethodView):
    @auth.roles("authority")
    @cases_blp.arguments(AccountabilityOutcomeIn)
    @cases_blp.response(200, AccountabilityCaseOut)
    def post(self, body: dict[str, Any], case_id: int) -> Any:
        """The outcome, after the district's opinion; announced to staffing for the staff
        member's assessment, and as a sanction of kind accountability unless no fault."""
        return accountability.conclude(unit_of_work(), case_id, body, require_principal().actor)


@cases_blp.route("/<int:case_id>/corrections")
class OutcomeCorrections(MethodView):
    @auth.roles("authority")
    @cases_blp.arguments(AccountabilityOutcomeIn)
    @cases_blp.response(201, AccountabilityCaseOut)
    def post(self, body: dict[str, Any], case_id: int) -> Any:
        """A new outcome replacing the one standing; the earlier stays on record."""
        return accountability.correct_outcome(
            unit_of_work(), case_id, body, require_principal().actor
        )
