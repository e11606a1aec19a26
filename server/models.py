"""Imports every package's models so the metadata is complete (Alembic, create_all, tests)."""
from .audit import models as audit_models  # noqa: F401
from .catalog import models as catalog_models  # noqa: F401
from .db import Base  # noqa: F401
from .documents import models as documents_models  # noqa: F401
from .finance import models as finance_models  # noqa: F401
from .hr import models as hr_models  # noqa: F401
from .imports import models as imports_models  # noqa: F401
from .ledger import models as ledger_models  # noqa: F401
from .org import models as org_models  # noqa: F401
from .parties import models as parties_models  # noqa: F401
from .payroll import models as payroll_models  # noqa: F401
from .sales import models as sales_models  # noqa: F401

metadata = Base.metadata
