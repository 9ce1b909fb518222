"""A listing's pictures: upload, reorder, describe, delete.

Uploads are untrusted: every file is identified by its bytes (not its name),
its pixel count is checked before it is decoded, and it is stored re-encoded
from its pixels alone, so no EXIF (GPS position, camera serial) or other
metadata survives. A file whose name or declared type says one format while
its bytes are another ("disguised") is refused with a message saying both.

Files are content-addressed (`<sha256 of the stored bytes>.<ext>` under
`<instance>/media/`), so a file never changes once written and can be cached
for a year; the same picture used twice is stored once.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from flask import current_app
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..domain.messages import N_, FieldError
from ..extensions import db
from ..models import Listing, ListingImage, User

log = logging.getLogger(__name__)

#: Pillow format -> (content type, file extension of the stored file)
FORMATS: dict[str, tuple[str, str]] = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
FORMAT_NAMES = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
_BY_EXTENSION = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP"}
_BY_CONTENT_TYPE = {
    "image/jpeg": "JPEG",
    "image/jpg": "JPEG",
    "image/pjpeg": "JPEG",
    "image/png": "PNG",
    "image/x-png": "PNG",
    "image/webp": "WEBP",
}
#: what clients send when they do not know the type: then the name decides
_UNDECLARED = {"", "application/octet-stream", "binary/octet-stream"}
#: the stored picture's longest side; bigger uploads are scaled down
FULL_SIDE = 2048
#: the thumbnail's longest side
THUMB_SIDE = 480
ALT_TEXT_MAX = 200
_MEDIA_NAME = re.compile(r"^[0-9a-f]{64}\.(?:jpg|png|webp)$")
_SRGB = ImageCms.createProfile("sRGB")


class UploadedFile(Protocol):
    """What a file upload offers (werkzeug's FileStorage has all of it)."""

    filename: str | None
    mimetype: str
    stream: IO[bytes]


class ImagesRejected(ValueError):
    """Nothing was stored; `problems` names each bad file (or field) and why."""

    def __init__(self, problems: list[FieldError]) -> None:
        super().__init__("; ".join(problem.message for problem in problems))
        self.problems = problems


class ImagesChanged(Exception):
    """Someone else changed this listing's images at the same moment; nothing was saved."""


class ImageNotFound(LookupError):
    pass


@dataclass(frozen=True)
class _Limits:
    max_images: int
    max_bytes: int
    max_pixels: int


@dataclass(frozen=True)
class _Prepared:
    """A cleaned picture and its thumbnail, ready to be written."""

    data: bytes
    content_type: str
    extension: str
    width: int
    height: int
    thumb: bytes

    @property
    def filename(self) -> str:
        return f"{hashlib.sha256(self.data).hexdigest()}.{self.extension}"

    @property
    def thumb_filename(self) -> str:
        return f"{hashlib.sha256(self.thumb).hexdigest()}.webp"


def media_folder() -> Path:
    """Where pictures are stored: `<instance>/media`."""
    return Path(current_app.instance_path) / "media"


def is_media_name(name: str) -> bool:
    """Whether `name` has the shape of a stored file's name (so never a path)."""
    return bool(_MEDIA_NAME.match(name))


def listing_image(listing: Listing, image_id: int) -> ListingImage:
    """One of the listing's images; ImageNotFound otherwise."""
    image = db.session.get(ListingImage, image_id)
    if image is None or image.listing_id != listing.id:
        raise ImageNotFound(image_id)
    return image


def add_images(
    listing: Listing, files: Iterable[UploadedFile], by: User | None = None
) -> list[ListingImage]:
    """Add pictures after the listing's last one: all of them, or none (ImagesRejected)."""
    limits = _limits()
    chosen = [f for f in files if f is not None and (f.filename or "").strip()]
    if not chosen:
        raise ImagesRejected([FieldError("images", N_("Choose at least one picture."))])
    room = limits.max_images - len(listing.images)
    known = {image.filename for image in listing.images}
    problems: list[FieldError] = []
    prepared: list[_Prepared] = []
    for index, upload in enumerate(chosen):
        name = _display_name(upload.filename)
        if index >= room:
            problems.append(_too_many(name, limits.max_images, max(room, 0)))
            continue
        result = _prepare(upload, name, limits)
        if isinstance(result, FieldError):
            problems.append(result)
        elif result.filename in known:
            problems.append(
                FieldError(
                    name, N_("%(name)s is already one of this listing's pictures."), {"name": name}
                )
            )
        else:
            known.add(result.filename)
            prepared.append(result)
    if problems:
        raise ImagesRejected(problems)
    written = _write_files(prepared)
    start = len(listing.images)
    added = [
        ListingImage(
            position=start + offset,
            filename=item.filename,
            thumb_filename=item.thumb_filename,
            content_type=item.content_type,
            width=item.width,
            height=item.height,
            byte_size=len(item.data),
        )
        for offset, item in enumerate(prepared)
    ]
    with _saving(undo_files=written):
        listing.images.extend(added)
    log.info("%d image(s) added to listing %s by %s", len(added), listing.id, _who(by))
    return added


def remove_image(image: ListingImage, by: User | None = None) -> None:
    """Delete a picture; its files go too unless another image uses the same ones."""
    listing = image.listing
    names = [image.filename, image.thumb_filename]
    image_id = image.id
    with _saving():
        listing.images.remove(image)
        _renumber(list(listing.images))
    _delete_unused(names)
    log.info("image %s removed from listing %s by %s", image_id, listing.id, _who(by))


def move_image(image: ListingImage, position: int, by: User | None = None) -> None:
    """Put a picture at `position` (0 is the main picture); the others close up."""
    listing = image.listing
    order = [other for other in listing.images if other is not image]
    position = min(max(position, 0), len(order))
    order.insert(position, image)
    with _saving():
        _renumber(order)
    log.info("image %s of listing %s moved to %d by %s", image.id, listing.id, position, _who(by))


def set_alt_text(image: ListingImage, text: str, by: User | None = None) -> None:
    """Describe a picture for people who cannot see it."""
    text = " ".join((text or "").split())
    if len(text) > ALT_TEXT_MAX:
        raise ImagesRejected(
            [
                FieldError(
                    "alt_text",
                    N_("Keep the description to %(max)d characters."),
                    {"max": ALT_TEXT_MAX},
                )
            ]
        )
    with _saving():
        image.alt_text = text
    log.info("alt text of image %s set by %s", image.id, _who(by))


def _limits() -> _Limits:
    config = current_app.config
    return _Limits(
        max_images=int(config["MAX_IMAGES_PER_LISTING"]),
        max_bytes=int(config["IMAGE_MAX_BYTES"]),
        max_pixels=int(config["IMAGE_MAX_PIXELS"]),
    )


def _display_name(filename: str | None) -> str:
    """The file's own name without any folders the client sent, for messages."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return base[:100] or "?"


def _too_many(name: str, most: int, room: int) -> FieldError:
    return FieldError(
        name,
        N_(
            "%(name)s: a listing can have at most %(max)d pictures,"
            " and this one has room for %(room)d more."
        ),
        {"name": name, "max": most, "room": room},
    )


def _claimed_format(name: str, content_type: str) -> str | FieldError:
    """The format the file's name (and declared type) promise, or why that is unusable."""
    by_name = _BY_EXTENSION.get(os.path.splitext(name)[1].lower())
    if by_name is None:
        return FieldError(
            name,
            N_(
                "%(name)s: only JPEG, PNG and WebP images can be used"
                " (names ending in .jpg, .jpeg, .png or .webp)."
            ),
            {"name": name},
        )
    declared = (content_type or "").split(";")[0].strip().lower()
    if declared not in _UNDECLARED and _BY_CONTENT_TYPE.get(declared) != by_name:
        return FieldError(
            name,
            N_("%(name)s was sent as %(type)s, which is not a JPEG, PNG or WebP image."),
            {"name": name, "type": declared},
        )
    return by_name


def _prepare(upload: UploadedFile, name: str, limits: _Limits) -> _Prepared | FieldError:
    """Check one upload and clean it, or say what is wrong with it."""
    claimed = _claimed_format(name, upload.mimetype)
    if isinstance(claimed, FieldError):
        return claimed
    data = upload.stream.read(limits.max_bytes + 1)
    if not data:
        return FieldError(name, N_("%(name)s is empty."), {"name": name})
    if len(data) > limits.max_bytes:
        return FieldError(
            name,
            N_("%(name)s is larger than %(max)s MB."),
            {"name": name, "max": f"{limits.max_bytes / 2**20:g}"},
        )
    too_big = FieldError(
        name,
        N_("%(name)s has too many pixels to be opened safely (at most %(max)s million)."),
        {"name": name, "max": f"{limits.max_pixels / 1e6:g}"},
    )
    try:
        with Image.open(io.BytesIO(data), formats=list(FORMATS)) as image:
            return _check_and_clean(image, name, claimed, limits)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own bomb check (at open) for sizes far past ours.
        return too_big
    except UnidentifiedImageError:
        return FieldError(name, N_("%(name)s is not a JPEG, PNG or WebP image."), {"name": name})
    except Exception:  # noqa: BLE001 - decoders raise many types on hostile input
        log.info("image %r could not be decoded", name, exc_info=True)
        return FieldError(
            name, N_("%(name)s is damaged or incomplete and cannot be read."), {"name": name}
        )


def _check_and_clean(
    image: Image.Image, name: str, claimed: str, limits: _Limits
) -> _Prepared | FieldError:
    # Phone cameras often write multi-picture JPEGs (MPO): the first picture is a plain JPEG.
    real = "JPEG" if image.format == "MPO" else image.format or ""
    if real != claimed:
        return FieldError(
            name,
            N_(
                "%(name)s is really a %(real)s image, not %(claimed)s as its name says."
                " Save it as %(claimed)s, or give it the right ending, and try again."
            ),
            {"name": name, "real": FORMAT_NAMES.get(real, real), "claimed": FORMAT_NAMES[claimed]},
        )
    width, height = image.size
    if width * height > limits.max_pixels:
        return FieldError(
            name,
            N_("%(name)s is too large: %(width)d × %(height)d pixels (at most %(max)s million)."),
            {
                "name": name,
                "width": width,
                "height": height,
                "max": f"{limits.max_pixels / 1e6:g}",
            },
        )
    if real == "JPEG":
        image.draft("RGB", (FULL_SIDE, FULL_SIDE))  # decode at a reduced scale: less memory
    image.load()
    pixels = _clean_pixels(image, keep_alpha=real != "JPEG")
    content_type, extension = FORMATS[real]
    return _Prepared(
        data=_encode(pixels, real),
        content_type=content_type,
        extension=extension,
        width=pixels.width,
        height=pixels.height,
        thumb=_thumbnail(pixels),
    )


def _clean_pixels(image: Image.Image, keep_alpha: bool) -> Image.Image:
    """Upright, sRGB, at most FULL_SIDE, and a fresh image with no metadata at all."""
    icc = image.info.get("icc_profile")
    upright = ImageOps.exif_transpose(image)
    mode = "RGBA" if keep_alpha and upright.has_transparency_data else "RGB"
    if icc and upright.mode in ("RGB", "RGBA", "CMYK", "L"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            upright = (
                ImageCms.profileToProfile(
                    upright, source, _SRGB, outputMode=mode if upright.mode != "L" else "RGB"
                )
                or upright
            )
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # an unusable profile: keep the pixels as they are
    if upright.mode != mode:
        upright = upright.convert(mode)
    upright.thumbnail((FULL_SIDE, FULL_SIDE), Image.Resampling.LANCZOS)
    # Rebuilt from raw pixels: nothing of the upload's info (EXIF, XMP, ICC, text) comes along.
    return Image.frombytes(upright.mode, upright.size, upright.tobytes())


def _encode(pixels: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        pixels.save(buffer, "JPEG", quality=85, optimize=True, progressive=True)
    elif fmt == "PNG":
        pixels.save(buffer, "PNG", optimize=True)
    else:
        pixels.save(buffer, "WEBP", quality=85, method=4)
    return buffer.getvalue()


def _thumbnail(pixels: Image.Image) -> bytes:
    thumb = pixels.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    thumb.save(buffer, "WEBP", quality=80, method=4)
    return buffer.getvalue()


def _write_files(prepared: Sequence[_Prepared]) -> list[str]:
    """Write the pictures and thumbnails; return the names of files that were new."""
    folder = media_folder()
    folder.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    try:
        for item in prepared:
            for name, data in ((item.filename, item.data), (item.thumb_filename, item.thumb)):
                path = folder / name
                if path.exists() or name in written:
                    continue  # content-addressed: the same bytes are already there
                partial = folder / f".{name}.{uuid.uuid4().hex}.part"
                partial.write_bytes(data)
                os.replace(partial, path)  # readers never see half a file
                written.append(name)
    except OSError:
        _delete_written(written)
        raise
    return written


def _renumber(order: list[ListingImage]) -> None:
    """Give the images positions 0..n-1 in this order without breaking (listing, position)."""
    moved = [
        (image, position) for position, image in enumerate(order) if image.position != position
    ]
    if not moved:
        return
    # First out of the way (negative, unique per row), then into place: no two rows
    # ever share a position, whatever order the database applies the updates in.
    for image, _ in moved:
        image.position = -1 - image.id
    db.session.flush()
    for image, position in moved:
        image.position = position


@contextmanager
def _saving(undo_files: Sequence[str] = ()) -> Iterator[None]:
    """Make the changes in the block and commit them; on failure roll back and
    delete the files this change wrote, so none is left without its row."""
    try:
        yield
        db.session.commit()
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        _delete_written(undo_files)
        raise ImagesChanged() from None
    except BaseException:
        db.session.rollback()
        _delete_written(undo_files)
        raise


def _names_in_use(names: set[str]) -> set[str] | None:
    """Which of these files image rows refer to; None when the database cannot say."""
    try:
        return set(
            db.session.scalars(
                select(ListingImage.filename).where(ListingImage.filename.in_(names))
            )
        ) | set(
            db.session.scalars(
                select(ListingImage.thumb_filename).where(ListingImage.thumb_filename.in_(names))
            )
        )
    except Exception:  # noqa: BLE001 - the caller decides what an unknown answer means
        log.warning("could not check which media files are in use", exc_info=True)
        db.session.rollback()
        return None


def _delete_unused(names: Iterable[str]) -> None:
    """Delete these media files unless an image row still refers to them."""
    wanted = set(names)
    used = _names_in_use(wanted) if wanted else set()
    if used is None:
        return  # better a stray file than a missing picture
    _unlink(wanted - used)


def _delete_written(names: Iterable[str]) -> None:
    """Delete files this change wrote and did not commit (unless someone else's row
    took them meanwhile)."""
    wanted = set(names)
    used = _names_in_use(wanted) if wanted else set()
    _unlink(wanted - (used or set()))


def _unlink(names: Iterable[str]) -> None:
    folder = media_folder()
    for name in names:
        try:
            (folder / name).unlink(missing_ok=True)
        except OSError:
            log.warning("could not delete media file %s", name, exc_info=True)


def _who(user: User | None) -> str:
    return f"user {user.id}" if user is not None else "the system"
