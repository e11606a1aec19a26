"""Tax rules API: the company's taxes and contributions as data, and the Cambodian and Russian presets."""
from __future__ import annotations

from flask import Blueprint
from sqlalchemy.orm import Session

from ...core.actor import Actor
from ...audit.crud import crud_routes
from ...routes import route
from ...core.i18n import translate
from . import schemas
from . import service

bp = Blueprint("payroll_rules", __name__, url_prefix="/api/v1")

READ = ("owner", "accountant", "hr")
WRITE = ("owner", "accountant")

crud_routes(
    bp, "tax-rules", "tax_rule", schema_in=schemas.TaxRuleIn, schema_patch=schemas.TaxRulePatch,
    schema_out=schemas.TaxRuleOut, schema_list=schemas.TaxRuleList, list_query=schemas.TaxRuleListQuery,
    service=service, read_roles=READ, write_roles=WRITE,
)


@route(bp, "/tax-rules/presets", method="POST", roles=WRITE, body=schemas.TaxPresetIn,
       response=schemas.TaxPresetOut, errors=(409,))
def load_tax_presets(session: Session, actor: Actor, body: schemas.TaxPresetIn) -> schemas.TaxPresetOut:
    """Load the Cambodian or Russian example rules: configurable examples to check, not legal advice."""
    rules, created, updated = service.load_preset(session, actor, body.country, body.replace)
    return schemas.TaxPresetOut(
        country=body.country, notice=translate("tax_presets_notice", actor.language),
        created=created, updated=updated, items=[schemas.TaxRuleOut.model_validate(r) for r in rules],
    )
