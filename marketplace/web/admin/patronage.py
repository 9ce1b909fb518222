"""The patronage report: each co-op's trade in a period and its share of the surplus, and as CSV."""

from __future__ import annotations

from flask import Response, render_template, request

from ...authz import require
from ...domain.money import CURRENCY_EXPONENTS, Money
from ...domain.permissions import Permission
from ...i18n import money_of
from ...models.base import utcnow
from ...services import patronage as patronage_report
from . import bp


def _report() -> patronage_report.PatronageReport:
    query = patronage_report.read_query(request.args, utcnow().date())
    return patronage_report.report(query.start, query.end, query.currency, query.surplus)


def _page(
    found: patronage_report.PatronageReport | None, errors: dict[str, str], status: int
) -> tuple[str, int]:
    return render_template(
        "admin/patronage.html",
        report=found,
        errors=errors,
        values=_values(found),
        currencies=sorted(CURRENCY_EXPONENTS),
        amount=money_of,
    ), status


def _values(found: patronage_report.PatronageReport | None) -> dict[str, str]:
    """What the form shows: the report's own values, or what was typed when it was refused."""
    if found is None:
        return {
            name: request.args.get(name, "") for name in ("start", "end", "currency", "surplus")
        }
    return {
        "start": found.start.isoformat(),
        "end": found.end.isoformat(),
        "currency": found.currency,
        "surplus": str(Money(found.surplus, found.currency).to_decimal()),
    }


def _refused(error: patronage_report.PatronageError) -> tuple[str, int]:
    if isinstance(error, patronage_report.ReportInvalid):
        return _page(None, error.errors, 400)
    return _page(None, {"surplus": str(error)}, 400)


@bp.get("/admin/patronage")
@require(Permission.ADMINISTER_FEDERATION)
def patronage() -> tuple[str, int]:
    try:
        found = _report()
    except patronage_report.PatronageError as error:
        return _refused(error)
    return _page(found, {}, 200)


@bp.get("/admin/patronage.csv")
@require(Permission.ADMINISTER_FEDERATION)
def patronage_csv() -> object:
    try:
        found = _report()
    except patronage_report.PatronageError as error:
        return _refused(error)
    name = patronage_report.csv_filename(found)
    return Response(
        "\ufeff" + patronage_report.report_csv(found),  # the BOM: spreadsheets read UTF-8 right
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
