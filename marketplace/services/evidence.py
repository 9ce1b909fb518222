"""Evidence files attached to label claims: checked by their bytes, cleaned, stored privately.

A file is a PDF (its bytes start with `%PDF-` and it ends with `%%EOF`) or a JPEG, PNG or
WebP picture (decoded by Pillow and re-encoded from its pixels, so no EXIF survives). Its
name must say the same type as its bytes ("disguised" files are refused). Files live under
`<instance>/evidence/<sha256>.<ext>`: never under media/, never served publicly.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select

from ..domain.messages import N_, FieldError
from ..extensions import db
from ..models import ClaimAnswer

log = logging.getLogger(__name__)

#: kind -> (content type, stored extension)
KINDS: dict[str, tuple[str, str]] = {
    "PDF": ("application/pdf", "pdf"),
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
KIND_NAMES = {"PDF": "PDF", "JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
_BY_EXTENSION = {
    ".pdf": "PDF",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".png": "PNG",
    ".webp": "WEBP",
}
_STORED_NAME = re.compile(r"^[0-9a-f]{64}\.(?:pdf|jpg|png|webp)$")


class UploadedFile(Protocol):
    """What a file upload offers (werkzeug's FileStorage has all of it)."""

    filename: str | None
    mimetype: str
    stream: IO[bytes]


@dataclass(frozen=True)
class CleanEvidence:
    """A checked evidence file, ready to be written."""

    data: bytes
    name: str
    kind: str

    @property
    def content_type(self) -> str:
        return KINDS[self.kind][0]

    @property
    def filename(self) -> str:
        return f"{hashlib.sha256(self.data).hexdigest()}.{KINDS[self.kind][1]}"


def evidence_folder() -> Path:
    """Where evidence is stored: `<instance>/evidence` (not publicly served)."""
    return Path(current_app.instance_path) / "evidence"


def is_stored_name(name: str) -> bool:
    """Whether `name` has the shape of a stored evidence file's name (so never a path)."""
    return bool(_STORED_NAME.match(name or ""))


def display_name(filename: str | None) -> str:
    """The file's own name without folders, for messages and downloads."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return base[-150:] or "evidence"


def check(upload: UploadedFile, field: str) -> CleanEvidence | FieldError:
    """Read and check one upload; a cleaned file, or what is wrong with it."""
    name = display_name(upload.filename)
    limit = int(current_app.config["EVIDENCE_MAX_BYTES"])
    claimed = _BY_EXTENSION.get(os.path.splitext(name)[1].lower())
    if claimed is None:
        return FieldError(
            field,
            N_("%(name)s: evidence must be a PDF, JPEG, PNG or WebP file."),
            {"name": name},
        )
    data = upload.stream.read(limit + 1)
    if not data:
        return FieldError(field, N_("%(name)s is empty."), {"name": name})
    if len(data) > limit:
        return FieldError(
            field,
            N_("%(name)s is larger than %(max)s MB."),
            {"name": name, "max": f"{limit / 2**20:g}"},
        )
    real = _real_kind(data)
    if real is None:
        return FieldError(
            field, N_("%(name)s is not a PDF, JPEG, PNG or WebP file."), {"name": name}
        )
    if real != claimed:
        return FieldError(
            field,
            N_("%(name)s is really a %(real)s file, not %(claimed)s as its name says."),
            {"name": name, "real": KIND_NAMES[real], "claimed": KIND_NAMES[claimed]},
        )
    if real == "PDF":
        if b"%%EOF" not in data[-2048:]:
            return FieldError(
                field, N_("%(name)s is damaged or incomplete and cannot be read."), {"name": name}
            )
        return CleanEvidence(data=data, name=name, kind="PDF")
    cleaned = _clean_image(data, real)
    if cleaned is None:
        return FieldError(
            field, N_("%(name)s is damaged or incomplete and cannot be read."), {"name": name}
        )
    return CleanEvidence(data=cleaned, name=name, kind=real)


def _real_kind(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "PDF"
    try:
        with Image.open(io.BytesIO(data), formats=["JPEG", "PNG", "WEBP"]) as image:
            return "JPEG" if image.format == "MPO" else image.format
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError):
        return None


def _clean_image(data: bytes, kind: str) -> bytes | None:
    """The picture re-encoded from its pixels alone (no EXIF, XMP or text), or None."""
    max_pixels = int(current_app.config.get("IMAGE_MAX_PIXELS", 40_000_000))
    try:
        with Image.open(io.BytesIO(data), formats=["JPEG", "PNG", "WEBP"]) as image:
            width, height = image.size
            if width * height > max_pixels:
                return None
            image.load()
            upright = ImageOps.exif_transpose(image)
            mode = "RGBA" if kind != "JPEG" and upright.has_transparency_data else "RGB"
            if upright.mode != mode:
                upright = upright.convert(mode)
            pixels = Image.frombytes(upright.mode, upright.size, upright.tobytes())
    except Exception:  # noqa: BLE001 - decoders raise many types on hostile input
        log.info("evidence image could not be decoded", exc_info=True)
        return None
    buffer = io.BytesIO()
    if kind == "JPEG":
        pixels.save(buffer, "JPEG", quality=90)
    elif kind == "PNG":
        pixels.save(buffer, "PNG", optimize=True)
    else:
        pixels.save(buffer, "WEBP", quality=90)
    return buffer.getvalue()


def write(files: Iterable[CleanEvidence]) -> list[str]:
    """Write the files (atomically); return the names that were new."""
    folder = evidence_folder()
    folder.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    try:
        for item in files:
            path = folder / item.filename
            if path.exists() or item.filename in written:
                continue
            partial = folder / f".{item.filename}.{uuid.uuid4().hex}.part"
            partial.write_bytes(item.data)
            os.replace(partial, path)
            written.append(item.filename)
    except OSError:
        delete_unused(written)
        raise
    return written


def delete_unused(names: Iterable[str]) -> None:
    """Delete these evidence files unless an answer still refers to them."""
    wanted = {name for name in names if name}
    if not wanted:
        return
    try:
        used = set(
            db.session.scalars(
                select(ClaimAnswer.evidence_file).where(ClaimAnswer.evidence_file.in_(wanted))
            )
        )
    except Exception:  # noqa: BLE001 - better a stray file than missing evidence
        log.warning("could not check which evidence files are in use", exc_info=True)
        db.session.rollback()
        return
    folder = evidence_folder()
    for name in wanted - used:
        try:
            (folder / name).unlink(missing_ok=True)
        except OSError:
            log.warning("could not delete evidence file %s", name, exc_info=True)
