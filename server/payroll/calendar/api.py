"""Production calendar API: a country's year with its monthly norms, the company's overrides, payroll settings."""
from __future__ import annotations

from flask import Blueprint
from sqlalchemy.orm import Session

from ...core import dates
from ...core.actor import Actor
from ...routes import route
from . import service as calendar
from . import schemas

bp = Blueprint("payroll_calendar", __name__, url_prefix="/api/v1")

READ = ("owner", "accountant", "hr")
WRITE = ("owner", "hr")


def present_settings(obj: object) -> dict:
    return schemas.PayrollSettingsOut.model_validate(obj).model_dump(mode="json")


@route(bp, "/payroll/calendar", roles=READ, query=schemas.PayrollCalendarQuery, response=schemas.PayrollCalendarOut)
def get_calendar(session: Session, actor: Actor, query: schemas.PayrollCalendarQuery) -> schemas.PayrollCalendarOut:
    """Read a country's production calendar for a year: monthly norms and the days that are not ordinary."""
    year = query.year or dates.today().year
    return schemas.PayrollCalendarOut.model_validate(calendar.describe_year(session, actor.company_id, query.country, year))


@route(bp, "/payroll/calendar/overrides", method="PUT", roles=WRITE, body=schemas.PayrollCalendarOverridesIn,
       response=schemas.PayrollCalendarOut)
def put_overrides(session: Session, actor: Actor, body: schemas.PayrollCalendarOverridesIn) -> schemas.PayrollCalendarOut:
    """Set or remove the company's overrides of calendar days; answers the year of the first day."""
    year = calendar.set_overrides(session, actor, body.country, body.days)
    return schemas.PayrollCalendarOut.model_validate(calendar.describe_year(session, actor.company_id, body.country, year))


@route(bp, "/payroll/settings", roles=READ, response=schemas.PayrollSettingsOut)
def get_settings(session: Session, actor: Actor) -> schemas.PayrollSettingsOut:
    """Read the payroll settings: the calendar's country, weekly days off, overtime multiplier."""
    return schemas.PayrollSettingsOut.model_validate(calendar.current_settings(session, actor.company_id))


@route(bp, "/payroll/settings", method="PATCH", roles=WRITE, body=schemas.PayrollSettingsPatch,
       response=schemas.PayrollSettingsOut)
def update_settings(session: Session, actor: Actor, body: schemas.PayrollSettingsPatch) -> schemas.PayrollSettingsOut:
    """Change the payroll settings (version required)."""
    return schemas.PayrollSettingsOut.model_validate(calendar.update_settings(session, actor, body, present_settings))
