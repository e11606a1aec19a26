"""The demo company (`clientbase demo`): its branches, staff and clients, a year of books, and its payroll."""
from .company import COMPANY_NAME, OWNER_EMAIL, NotTheDemo, is_demo, load_demo, owner_token

__all__ = ["COMPANY_NAME", "OWNER_EMAIL", "NotTheDemo", "is_demo", "load_demo", "owner_token"]
