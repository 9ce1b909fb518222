"""Upload a listings CSV, watch it being checked, confirm it; download export and template."""

from __future__ import annotations

import io

from flask import abort, flash, jsonify, redirect, render_template, send_file, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from ...domain.permissions import Permission
from ...models import Coop, ListingImport
from ...services import csv_format, csv_io
from ..helpers import coop_or_404
from . import bp
from .forms import ConfirmForm, ConfirmSubsetForm, UploadForm

BASE = "/dashboard/<slug>"
#: errors listed on the page; the rest are in the downloadable errors file
ERRORS_SHOWN = 500


def _coop(slug: str) -> Coop:
    return coop_or_404(slug, Permission.EDIT_COOP_LISTINGS)


def _import_or_404(slug: str, import_id: int) -> tuple[Coop, ListingImport]:
    coop = _coop(slug)
    try:
        return coop, csv_io.import_for_page(coop, import_id)
    except csv_io.ImportNotFound:
        abort(404)


def _index(coop: Coop, form: UploadForm, problems: list | None = None) -> object:
    page = render_template(
        "csv_io/index.html",
        coop=coop,
        form=form,
        problems=problems or [],
        columns=csv_format.COLUMN_DOCS,
        imports=csv_io.imports_of(coop),
        without_sku=csv_io.listings_without_sku(coop),
        max_rows=format_decimal(csv_format.MAX_ROWS),
        number=format_decimal,
    )
    return page, (400 if problems or form.errors else 200)


def _show(coop: Coop, found: ListingImport, subset_form: ConfirmSubsetForm | None = None) -> str:
    return render_template(
        "csv_io/show.html",
        coop=coop,
        job=found,
        report=csv_io.import_report(found, ERRORS_SHOWN),
        errors_shown=ERRORS_SHOWN,
        active=found.status in csv_io.ACTIVE,
        form=ConfirmForm(),
        subset_form=subset_form or ConfirmSubsetForm(),
        number=format_decimal,
    )


def _csv_file(data: bytes, name: str) -> object:
    return send_file(
        io.BytesIO(data), mimetype="text/csv", as_attachment=True, download_name=name, max_age=0
    )


@bp.get(f"{BASE}/listings/csv")
def index(slug: str) -> object:
    return _index(_coop(slug), UploadForm())


@bp.post(f"{BASE}/listings/csv")
def upload(slug: str) -> object:
    coop = _coop(slug)
    form = UploadForm()
    if not form.validate_on_submit():
        return _index(coop, form)
    try:
        data = form.file.data
        started = csv_io.start_import(coop, current_user, data.filename or "", data.read())
    except csv_format.CsvUnreadable as unreadable:
        return _index(coop, form, unreadable.errors)
    return redirect(url_for("csv_io.show", slug=slug, import_id=started.id))


@bp.get(f"{BASE}/imports/<int:import_id>")
def show(slug: str, import_id: int) -> object:
    return _show(*_import_or_404(slug, import_id))


@bp.get(f"{BASE}/imports/<int:import_id>.json")
def progress(slug: str, import_id: int) -> object:
    found = _import_or_404(slug, import_id)[1]
    return jsonify(
        status=str(found.status),
        total_rows=found.total_rows,
        processed_rows=found.processed_rows,
        errors=csv_io.import_report(found, 1).error_count,
    )


@bp.post(f"{BASE}/imports/<int:import_id>/import")
def confirm(slug: str, import_id: int) -> object:
    coop, found = _import_or_404(slug, import_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _start(coop, found, None)


@bp.post(f"{BASE}/imports/<int:import_id>/import-valid-rows")
def confirm_subset(slug: str, import_id: int) -> object:
    coop, found = _import_or_404(slug, import_id)
    form = ConfirmSubsetForm()
    if not form.validate_on_submit():
        return _show(coop, found, form), 400
    return _start(coop, found, form.valid_rows.data)


def _start(coop: Coop, found: ListingImport, valid_rows: int | None) -> object:
    try:
        csv_io.confirm_import(found, current_user, valid_rows)
    except csv_io.ImportNotReady:
        flash(_("This import cannot start now: it changed meanwhile. Here it is."), "error")
        return _show(coop, found), 409
    return redirect(url_for("csv_io.show", slug=coop.slug, import_id=found.id))


@bp.post(f"{BASE}/imports/<int:import_id>/check-again")
def recheck(slug: str, import_id: int) -> object:
    coop, found = _import_or_404(slug, import_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        csv_io.recheck_import(found, current_user)
    except csv_io.ImportNotReady:
        flash(_("This import cannot be checked again now."), "error")
        return _show(coop, found), 409
    return redirect(url_for("csv_io.show", slug=slug, import_id=found.id))


@bp.get(f"{BASE}/imports/<int:import_id>/errors.csv")
def errors(slug: str, import_id: int) -> object:
    found = _import_or_404(slug, import_id)[1]
    rows = [
        (error["line"], error["column"], _(error["template"], **error["params"]))
        for error in csv_io.import_report(found).errors
    ]
    data = csv_format.write(rows, header=("line", "column", "message"))
    return _csv_file(data, f"import-{found.id}-errors.csv")


@bp.get(f"{BASE}/listings/export.csv")
def export(slug: str) -> object:
    coop = _coop(slug)
    return _csv_file(csv_io.export_csv(coop), f"{coop.slug}-listings.csv")


@bp.get(f"{BASE}/listings/template.csv")
def template(slug: str) -> object:
    _coop(slug)
    return _csv_file(csv_io.template_csv(), "listings-template.csv")
