"""Creating a company with its owner and its chart of accounts (clientbase init, the demo, tests)."""
from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit.service import log_change
from ..audit import records
from ..core.actor import Actor
from ..core.errors import FieldError, ValidationFailed
from ..core.validation import field_errors
from ..ledger.chart import ensure_chart
from ..org.models import Company, User
from ..org.schemas import CompanySetup, TokenIn
from ..org.service import issue_token_for


def create_company(session: Session, *, name: str, country: str, currency: str, second_currency: str | None,
                   language: str, owner_email: str, owner_name: str) -> tuple[Company, User, str]:
    """A company, its first owner and the owner's first token (clear text returned once)."""
    try:
        data = CompanySetup(name=name, country=country, base_currency=currency, second_currency=second_currency,
                            language=language, owner_email=owner_email, owner_name=owner_name)
    except ValidationError as exc:
        raise ValidationFailed(errors=field_errors(exc)) from None
    email = data.owner_email.lower()
    if session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise ValidationFailed(errors=[FieldError("owner_email", "already_exists")])
    company = Company(name=data.name, country=data.country, base_currency=data.base_currency,
                      second_currency=data.second_currency, language=data.language)
    session.add(company)
    session.flush()
    actor = Actor.system(company.id)
    log_change(session, actor, "company", company.id, "create", None, records.snapshot(company))
    owner = records.create(session, actor, User(company_id=company.id, email=email, name=data.owner_name,
                                                role="owner", language=data.language), "user")
    _token, text = issue_token_for(session, actor, owner, TokenIn(name="first token"))
    ensure_chart(session, company.id)
    return company, owner, text
