"""A listing's pictures: checked, cleaned, stored content-addressed, ordered, deleted."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageCms
from sqlalchemy import insert
from werkzeug.datastructures import FileStorage

from marketplace.extensions import db
from marketplace.models import ListingImage
from marketplace.services import images
from tests.factories import make_listing

CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


# Pictures made on the spot -------------------------------------------------------------


def picture(
    fmt: str = "JPEG",
    size: tuple[int, int] = (64, 48),
    colour: tuple[int, ...] = (200, 40, 40),
    mode: str = "RGB",
    **save: object,
) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, fmt, **save)
    return buffer.getvalue()


def jpeg_with_gps() -> bytes:
    """A 60×30 JPEG saying "rotate 90°", with a camera make, GPS position and ICC profile."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Spycam"
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (52.0, 31.0, 12.0),
    }
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return picture("JPEG", size=(60, 30), exif=exif, icc_profile=icc)


def noisy_jpeg(size: tuple[int, int] = (300, 300)) -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise(size, 80).convert("RGB").save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` × `height` pixels (a decompression bomb)."""
    data = bytearray(picture("PNG", size=(1, 1)))
    struct.pack_into(">II", data, 16, width, height)  # IHDR data starts at byte 16
    struct.pack_into(">I", data, 29, zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def upload(data: bytes, name: str, content_type: str | None = None) -> FileStorage:
    if content_type is None:
        suffix = name.rsplit(".", 1)[-1].lower()
        content_type = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png"}.get(
            suffix, "image/webp" if suffix == "webp" else "application/octet-stream"
        )
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type=content_type)


def colours(n: int) -> list[bytes]:
    """`n` different small JPEGs."""
    return [picture(colour=(20 * i % 256, 90, 255 - 20 * i % 256)) for i in range(n)]


# Helpers ------------------------------------------------------------------------------


def media_files() -> set[str]:
    folder = images.media_folder()
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def stored(name: str) -> Path:
    return images.media_folder() / name


def positions(listing) -> list[tuple[int, int]]:
    db.session.expire_all()
    return [(image.id, image.position) for image in listing.images]


# Cleaning ------------------------------------------------------------------------------


def test_a_jpeg_is_stored_upright_without_exif_gps_or_profile(app):
    listing = make_listing()
    [image] = images.add_images(listing, [upload(jpeg_with_gps(), "holiday.JPG")])

    path = stored(image.filename)
    raw = path.read_bytes()
    assert b"Spycam" not in raw and b"Exif" not in raw
    with Image.open(path) as saved:
        assert saved.format == "JPEG"
        assert not saved.getexif()
        assert not saved.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert "exif" not in saved.info and "icc_profile" not in saved.info
        assert saved.size == (30, 60)  # turned as the EXIF orientation asked
    assert (image.width, image.height, image.content_type) == (30, 60, "image/jpeg")
    assert image.byte_size == len(raw)


def test_files_are_named_by_the_hash_of_what_is_stored(app):
    import hashlib

    listing = make_listing()
    [image] = images.add_images(listing, [upload(picture(), "a.jpg")])
    data = stored(image.filename).read_bytes()
    assert image.filename == hashlib.sha256(data).hexdigest() + ".jpg"
    thumb = stored(image.thumb_filename).read_bytes()
    assert image.thumb_filename == hashlib.sha256(thumb).hexdigest() + ".webp"
    assert images.is_media_name(image.filename) and images.is_media_name(image.thumb_filename)


def test_png_and_webp_keep_their_format_and_png_keeps_its_transparency(app):
    listing = make_listing()
    png = picture("PNG", mode="RGBA", colour=(0, 0, 255, 100))
    webp = picture("WEBP", colour=(10, 200, 10))
    first, second = images.add_images(listing, [upload(png, "logo.png"), upload(webp, "x.webp")])

    assert (first.content_type, second.content_type) == ("image/png", "image/webp")
    with Image.open(stored(first.filename)) as saved:
        assert saved.format == "PNG" and saved.mode == "RGBA"
        assert saved.getpixel((0, 0))[3] == 100
    with Image.open(stored(second.filename)) as saved:
        assert saved.format == "WEBP"


def test_a_multi_picture_jpeg_from_a_phone_is_stored_as_a_plain_jpeg(app):
    buffer = io.BytesIO()
    front, depth = Image.new("RGB", (40, 30), "red"), Image.new("RGB", (40, 30), "blue")
    front.save(buffer, "MPO", save_all=True, append_images=[depth])
    [image] = images.add_images(make_listing(), [upload(buffer.getvalue(), "phone.jpg")])
    with Image.open(stored(image.filename)) as saved:
        assert saved.format == "JPEG" and getattr(saved, "n_frames", 1) == 1
        assert saved.getpixel((0, 0))[0] > 200  # the front picture, not the depth map


def test_every_picture_gets_a_webp_thumbnail_and_big_ones_are_scaled_down(app):
    listing = make_listing()
    [image] = images.add_images(listing, [upload(picture(size=(3000, 1000)), "wide.jpg")])

    assert (image.width, image.height) == (images.FULL_SIDE, 683)
    with Image.open(stored(image.thumb_filename)) as thumb:
        assert thumb.format == "WEBP"
        assert thumb.size == (images.THUMB_SIDE, 160)
        assert not thumb.getexif()


# Refusals -------------------------------------------------------------------------------

BAD_FILES = {
    "text renamed .jpg": (
        lambda: upload(b"Dear co-op, here are my notes.", "notes.jpg"),
        "notes.jpg is not a JPEG, PNG or WebP image.",
    ),
    "truncated jpeg": (
        lambda: upload(noisy_jpeg()[:4000], "cut.jpg"),
        "cut.jpg is damaged or incomplete and cannot be read.",
    ),
    "png renamed .jpg": (
        lambda: upload(picture("PNG"), "disguised.jpg", "image/jpeg"),
        "disguised.jpg is really a PNG image, not JPEG as its name says.",
    ),
    "declared as text": (
        lambda: upload(picture(), "photo.jpg", "text/plain"),
        "photo.jpg was sent as text/plain, which is not a JPEG, PNG or WebP image.",
    ),
    "gif": (
        lambda: upload(picture("GIF", mode="P", colour=1), "anim.gif", "image/gif"),
        "anim.gif: only JPEG, PNG and WebP images can be used",
    ),
    "no ending": (
        lambda: upload(picture(), "photo", "image/jpeg"),
        "photo: only JPEG, PNG and WebP images can be used",
    ),
    "empty file": (lambda: upload(b"", "empty.png"), "empty.png is empty."),
    "bomb far past Pillow's limit": (
        lambda: upload(png_claiming(20_000, 20_000), "bomb.png"),
        "bomb.png has too many pixels to be opened safely (at most 40 million).",
    ),
    "bomb past Pillow's warning": (
        lambda: upload(png_claiming(10_000, 10_000), "bomb.png"),
        "bomb.png has too many pixels to be opened safely (at most 40 million).",
    ),
    "past our own limit": (
        lambda: upload(png_claiming(7000, 7000), "huge.png"),
        "huge.png is too large: 7000 × 7000 pixels (at most 40 million).",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_is_refused_with_a_clear_message(app, case):
    make_upload, message = BAD_FILES[case]
    listing = make_listing()
    with pytest.raises(images.ImagesRejected) as refused:
        images.add_images(listing, [make_upload()])
    [problem] = refused.value.problems
    assert problem.message.startswith(message)
    assert listing.images == [] and media_files() == set()


def test_a_batch_with_bad_files_stores_nothing_and_names_each_bad_file(app):
    listing = make_listing()
    batch = [
        upload(picture(), "good.jpg"),
        upload(b"not an image", "notes.jpg"),
        upload(picture("PNG"), "disguised.jpg", "image/jpeg"),
        upload(picture("WEBP"), "also-good.webp"),
    ]
    with pytest.raises(images.ImagesRejected) as refused:
        images.add_images(listing, batch)
    assert [p.field for p in refused.value.problems] == ["notes.jpg", "disguised.jpg"]
    db.session.expire_all()
    assert listing.images == [] and media_files() == set()
    assert db.session.query(ListingImage).count() == 0


def test_a_file_over_the_size_limit_is_refused(app):
    app.config["IMAGE_MAX_BYTES"] = 4096
    listing = make_listing()
    big = noisy_jpeg()
    assert len(big) > 4096
    with pytest.raises(images.ImagesRejected) as refused:
        images.add_images(listing, [upload(big, "big.jpg")])
    assert refused.value.problems[0].message == "big.jpg is larger than 0.00390625 MB."
    app.config["IMAGE_MAX_BYTES"] = 8 * 2**20
    with pytest.raises(images.ImagesRejected) as refused:
        images.add_images(listing, [upload(b"\xff\xd8" + b"0" * (8 * 2**20), "big.jpg")])
    assert refused.value.problems[0].message == "big.jpg is larger than 8 MB."


def test_a_listing_holds_at_most_eight_pictures(app):
    listing = make_listing()
    pictures = colours(9)
    images.add_images(listing, [upload(data, f"{i}.jpg") for i, data in enumerate(pictures[:6])])
    before = media_files()

    with pytest.raises(images.ImagesRejected) as refused:
        images.add_images(listing, [upload(d, f"{i}.jpg") for i, d in enumerate(pictures[6:], 6)])
    assert [p.field for p in refused.value.problems] == ["8.jpg"]
    assert (
        "at most 8 pictures, and this one has room for 2 more" in refused.value.problems[0].message
    )
    assert len(listing.images) == 6 and media_files() == before

    images.add_images(listing, [upload(pictures[6], "6.jpg"), upload(pictures[7], "7.jpg")])
    assert len(listing.images) == 8
    with pytest.raises(images.ImagesRejected):
        images.add_images(listing, [upload(pictures[8], "8.jpg")])


def test_the_same_picture_twice_in_one_listing_is_refused(app):
    listing = make_listing()
    images.add_images(listing, [upload(picture(), "a.jpg")])
    with pytest.raises(images.ImagesRejected) as refused:
        images.add_images(listing, [upload(picture(), "copy.jpg")])
    assert (
        refused.value.problems[0].message == "copy.jpg is already one of this listing's pictures."
    )


def test_an_upload_without_files_asks_for_one(app):
    listing = make_listing()
    empty_part = FileStorage(stream=io.BytesIO(b""), filename="", content_type="")
    for files in ([], [empty_part]):
        with pytest.raises(images.ImagesRejected) as refused:
            images.add_images(listing, files)
        assert refused.value.problems[0].message == "Choose at least one picture."


# Order, description, deletion ------------------------------------------------------------


def test_pictures_are_appended_and_can_be_moved_keeping_positions_dense(app):
    listing = make_listing()
    a, b, c = images.add_images(
        listing, [upload(data, f"{i}.jpg") for i, data in enumerate(colours(3))]
    )
    assert positions(listing) == [(a.id, 0), (b.id, 1), (c.id, 2)]

    images.move_image(c, 0)
    assert positions(listing) == [(c.id, 0), (a.id, 1), (b.id, 2)]
    images.move_image(c, 1)  # a swap of neighbours
    assert positions(listing) == [(a.id, 0), (c.id, 1), (b.id, 2)]
    images.move_image(a, 99)  # past the end: last
    assert positions(listing) == [(c.id, 0), (b.id, 1), (a.id, 2)]
    images.move_image(b, -5)  # before the start: first
    assert positions(listing) == [(b.id, 0), (c.id, 1), (a.id, 2)]


def test_deleting_a_picture_closes_the_gap_and_removes_its_files(app):
    listing = make_listing()
    a, b, c = images.add_images(
        listing, [upload(data, f"{i}.jpg") for i, data in enumerate(colours(3))]
    )
    gone = {b.filename, b.thumb_filename}
    images.remove_image(b)

    assert positions(listing) == [(a.id, 0), (c.id, 1)]
    assert not gone & media_files()
    assert {a.filename, a.thumb_filename, c.filename, c.thumb_filename} <= media_files()

    images.remove_image(a)
    assert positions(listing) == [(c.id, 0)]


def test_files_shared_by_two_listings_stay_until_the_last_picture_goes(app):
    one, two = make_listing(), make_listing()
    [first] = images.add_images(one, [upload(picture(), "a.jpg")])
    [second] = images.add_images(two, [upload(picture(), "b.jpg")])
    assert first.filename == second.filename
    names = {first.filename, first.thumb_filename}

    images.remove_image(first)
    assert names <= media_files()
    images.remove_image(second)
    assert not names & media_files()


def test_a_failed_commit_leaves_no_files_behind(app):
    listing = make_listing()
    assert listing.images == []  # loaded now; someone else then takes position 0
    with db.engine.begin() as connection:
        connection.execute(
            insert(ListingImage).values(
                listing_id=listing.id,
                position=0,
                filename="0" * 64 + ".jpg",
                thumb_filename="0" * 64 + ".webp",
                content_type="image/jpeg",
                width=1,
                height=1,
                byte_size=1,
                alt_text="",
            )
        )
    with pytest.raises(images.ImagesChanged):
        images.add_images(listing, [upload(picture(), "a.jpg")])
    assert media_files() == set()


def test_alt_text_is_tidied_and_limited(app):
    listing = make_listing()
    [image] = images.add_images(listing, [upload(picture(), "a.jpg")])
    images.set_alt_text(image, "  Rye loaf\n on a   board ")
    db.session.expire_all()
    assert image.alt_text == "Rye loaf on a board"
    with pytest.raises(images.ImagesRejected):
        images.set_alt_text(image, "x" * 201)
    db.session.expire_all()
    assert image.alt_text == "Rye loaf on a board"


def test_an_image_of_another_listing_is_not_found(app):
    mine, theirs = make_listing(), make_listing()
    [image] = images.add_images(theirs, [upload(picture(), "a.jpg")])
    with pytest.raises(images.ImageNotFound):
        images.listing_image(mine, image.id)
    assert images.listing_image(theirs, image.id) is image


@pytest.mark.parametrize(
    "name",
    ["../secret_key", "a" * 64 + ".jpg/../x", "A" * 64 + ".jpg", "a" * 63 + ".jpg", "a.jpg", ""],
)
def test_only_names_the_service_writes_count_as_media_names(name):
    assert not images.is_media_name(name)
