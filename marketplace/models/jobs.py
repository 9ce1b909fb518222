"""Background jobs whose progress people watch (CSV imports)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import Timestamp, enum_column, utcnow


class ImportStatus(StrEnum):
    UPLOADED = "uploaded"  #: file stored, not yet checked
    VALIDATING = "validating"
    INVALID = "invalid"  #: errors found; nothing written
    READY = "ready"  #: every row valid (or a subset confirmed); waiting for "import"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  #: stopped by an unexpected error; rolled back, nothing written


class ListingImport(db.Model):
    """One CSV upload of a co-op's listings, checked whole before anything is written."""

    __tablename__ = "listing_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    coop_id: Mapped[int] = mapped_column(ForeignKey("coops.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(200))
    #: where the uploaded bytes are kept, relative to the instance folder
    stored_path: Mapped[str] = mapped_column(String(300))
    status: Mapped[ImportStatus] = mapped_column(
        enum_column(ImportStatus, "import_status"), default=ImportStatus.UPLOADED
    )
    #: detected encoding and delimiter, e.g. "utf-8-sig" and ";"
    encoding: Mapped[str | None] = mapped_column(String(20))
    delimiter: Mapped[str | None] = mapped_column(String(1))
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    processed_rows: Mapped[int] = mapped_column(Integer, default=0)
    #: JSON list of {"line", "column", "message"}
    errors_json: Mapped[str] = mapped_column(Text, default="[]")
    #: JSON: counts of created / updated / archived / skipped rows
    summary_json: Mapped[str] = mapped_column(Text, default="{}")
    #: JSON list of line numbers the co-op chose to import despite other rows' errors
    confirmed_lines_json: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)
