"""Creating a company with its owner (clientbase init, the demo, tests)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..audit.service import log_change
from ..core import records
from ..core.actor import Actor
from .auth import issue_token
from .models import Company, User


def create_company(session: Session, *, name: str, country: str, currency: str, second_currency: str | None,
                   language: str, owner_email: str, owner_name: str) -> tuple[Company, User, str]:
    """A company, its first owner and the owner's first token (clear text returned once)."""
    company = Company(name=name, country=country, base_currency=currency, second_currency=second_currency,
                      language=language)
    session.add(company)
    session.flush()
    actor = Actor.system(company.id)
    log_change(session, actor, "company", company.id, "create", None, records.snapshot(company))
    owner = records.create(session, actor, User(company_id=company.id, email=owner_email.lower(), name=owner_name,
                                                role="owner", language=language), "user")
    _token, text = issue_token(session, owner, "first token")
    return company, owner, text
