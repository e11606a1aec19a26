"""The complete metadata: every package's models, loaded through the registry (Alembic, create_all, tests)."""
from . import packages
from .db import Base

packages.load()
metadata = Base.metadata
