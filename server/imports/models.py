"""Import records: each import with its file, report and what it changed (for undo); saved mapping profiles."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.workflow import Workflow
from ..db import Base, IntPK, UTCDateTime, Versioned

# planned (a dry run is on record) → committed → undone
STATUSES = ("planned", "committed", "undone")
IMPORT = Workflow("import", STATUSES, {
    "commit": (("planned",), "committed"),
    "undo": (("committed",), "undone"),
})


class ImportProfile(Versioned, Base):
    """A named column mapping for one source ("the bank's client export"), with its reading options."""

    __tablename__ = "import_profiles"
    __table_args__ = (UniqueConstraint("company_id", "kind", "name"),)

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    sheet: Mapped[Optional[str]] = mapped_column(String(100))
    header_row: Mapped[Optional[int]] = mapped_column(Integer)  # 1-based, as Excel numbers rows
    # header text or column letter → field key (None: ignore the column)
    columns: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    archived_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())


class Import(Versioned, Base):
    """One import: who, when, which file (hash), how it was read, what it did, and whether it was undone."""

    __tablename__ = "imports"
    __table_args__ = (Index("ix_imports_company_created", "company_id", "created_at"),
                      Index("ix_imports_company_hash", "company_id", "file_sha256"))

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="planned")
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    file_size: Mapped[int] = mapped_column(Integer)
    profile_id: Mapped[Optional[int]] = mapped_column(ForeignKey("import_profiles.id"))
    # The mapping and options the rows were read with; a commit reads the file again with them.
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Rows per action of the dry run, then of the commit.
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # What the commit created, per entity ({"client": [ids]}): undo removes them.
    created: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    entry_id: Mapped[Optional[int]] = mapped_column(ForeignKey("journal_entries.id"))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    committed_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    committed_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    undone_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    undone_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))


class ImportFile(Base):
    """The uploaded bytes and the gzipped JSON report, apart from the record so lists stay light."""

    __tablename__ = "import_files"

    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id"), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    report: Mapped[bytes] = mapped_column(LargeBinary)


class ImportChange(Base):
    """A record an import updated: its state before, and its version after (undo restores it if unchanged since)."""

    __tablename__ = "import_changes"

    id: Mapped[IntPK]
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id"), index=True)
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int] = mapped_column(Integer)
    before: Mapped[dict[str, Any]] = mapped_column(JSON)
    version_after: Mapped[int] = mapped_column(Integer)
