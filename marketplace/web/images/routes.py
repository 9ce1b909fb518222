"""Upload, order, describe and delete a listing's pictures; serve the stored files."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, send_from_directory, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from ...domain.messages import FieldError
from ...domain.permissions import Permission
from ...models import Coop, Listing, ListingImage
from ...services import images, listings
from ..helpers import coop_or_404
from . import bp
from .forms import AltTextForm, MoveForm, UploadForm

ONE_YEAR = 365 * 24 * 60 * 60
BASE = "/dashboard/<slug>/listings/<int:listing_id>/images"


def _listing_or_404(slug: str, listing_id: int) -> tuple[Coop, Listing]:
    coop = coop_or_404(slug, Permission.EDIT_COOP_LISTINGS)
    try:
        return coop, listings.coop_listing(coop, listing_id)
    except listings.ListingNotFound:
        abort(404)


def _image_or_404(slug: str, listing_id: int, image_id: int) -> ListingImage:
    _, listing = _listing_or_404(slug, listing_id)
    try:
        return images.listing_image(listing, image_id)
    except images.ImageNotFound:
        abort(404)


def _page(coop: Coop, listing: Listing, form: UploadForm, problems: list[FieldError]) -> object:
    return render_template(
        "images/manage.html",
        coop=coop,
        listing=listing,
        form=form,
        problems=[_(problem.template, **problem.params) for problem in problems],
        max_images=current_app.config["MAX_IMAGES_PER_LISTING"],
        max_mb=f"{current_app.config['IMAGE_MAX_BYTES'] / 2**20:g}",
        upload_mb=f"{current_app.config['MAX_CONTENT_LENGTH'] / 2**20:g}",
    ), (400 if problems else 200)


def _back(slug: str, listing_id: int) -> Response:
    return redirect(url_for("images.manage", slug=slug, listing_id=listing_id))


def _changed(slug: str, listing_id: int) -> Response:
    flash(_("Someone else changed these pictures at the same moment. Please try again."), "error")
    return _back(slug, listing_id)


@bp.route(BASE, methods=["GET", "POST"])
def manage(slug: str, listing_id: int) -> object:
    coop, listing = _listing_or_404(slug, listing_id)
    form = UploadForm()
    if not form.validate_on_submit():
        return _page(coop, listing, form, [])
    try:
        added = images.add_images(listing, form.images.data or [], current_user)
    except images.ImagesRejected as rejected:
        return _page(coop, listing, form, rejected.problems)
    except images.ImagesChanged:
        return _changed(slug, listing_id)
    flash(ngettext("%(num)d picture added.", "%(num)d pictures added.", len(added)), "success")
    return _back(slug, listing_id)


@bp.post(BASE + "/<int:image_id>/move")
def move(slug: str, listing_id: int, image_id: int) -> Response:
    image = _image_or_404(slug, listing_id, image_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    step = -1 if form.direction.data == "up" else 1
    try:
        images.move_image(image, image.position + step, current_user)
    except images.ImagesChanged:
        return _changed(slug, listing_id)
    return _back(slug, listing_id)


@bp.post(BASE + "/<int:image_id>/alt-text")
def alt_text(slug: str, listing_id: int, image_id: int) -> object:
    image = _image_or_404(slug, listing_id, image_id)
    form = AltTextForm()
    try:
        images.set_alt_text(image, form.alt_text.data or "", current_user)
    except images.ImagesRejected as rejected:
        return _page(image.listing.coop, image.listing, UploadForm(), rejected.problems)
    except images.ImagesChanged:
        return _changed(slug, listing_id)
    flash(_("Description saved."), "success")
    return _back(slug, listing_id)


@bp.post(BASE + "/<int:image_id>/delete")
def delete(slug: str, listing_id: int, image_id: int) -> Response:
    image = _image_or_404(slug, listing_id, image_id)
    try:
        images.remove_image(image, current_user)
    except images.ImagesChanged:
        return _changed(slug, listing_id)
    flash(_("Picture deleted."), "success")
    return _back(slug, listing_id)


@bp.get("/media/<path:filename>")
def media(filename: str) -> Response:
    # Only names of the shape we write: no paths, nothing else in the folder.
    if not images.is_media_name(filename):
        abort(404)
    response = send_from_directory(images.media_folder(), filename, max_age=ONE_YEAR)
    # Content-addressed: a name's bytes never change, so caches may keep them for good.
    response.cache_control.public = True
    response.cache_control.immutable = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
