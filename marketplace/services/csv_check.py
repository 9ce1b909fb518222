"""Checking a listings CSV against the database: what each row would do, or why it cannot.

Every row goes through `services.listings.resolve`, the rule set forms and the API use.
Nothing here writes; `csv_io` writes what a check planned, in one transaction.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from ..domain.listing_rules import (
    MAX_SKU,
    SKU_PATTERN,
    ListingAction,
    TransitionRefused,
    next_status,
)
from ..domain.messages import N_
from ..extensions import db
from ..models import Coop, Listing, ListingStatus
from ..models.base import utcnow
from . import csv_format
from .csv_format import FIELDS, STATUSES, CsvUnreadable, RowError, RowProblems
from .listings import ListingInvalid, categories_by_slug, listing_values, resolve

PROGRESS_EVERY = 250
PREVIEW_ROWS = 20
MAX_STORED_ERRORS = 100_000
#: model attribute -> CSV column, for naming what an update changes
_COLUMN_OF = {"price_amount": "price", "vat_rate_bp": "vat_rate"}
_ACTION_FOR_STATUS = {
    "active": ListingAction.PUBLISH,
    "paused": ListingAction.PAUSE,
    "archived": ListingAction.ARCHIVE,
}


@dataclass
class Step:
    """What one valid row does: create, update, archive, or nothing (unchanged)."""

    line: int
    sku: str
    kind: str
    title: str
    listing: Listing | None = None
    #: model values to set: all of them to create, only the changed ones to update
    values: dict[str, Any] = field(default_factory=dict)
    #: status actions to take after setting the values, in order
    actions: list[ListingAction] = field(default_factory=list)

    def preview(self) -> dict[str, Any]:
        changed = [_COLUMN_OF.get(name, name) for name in self.values if self.kind == "update"]
        if self.actions and self.kind == "update":
            changed.append("status")
        return {
            "line": self.line,
            "kind": self.kind,
            "sku": self.sku,
            "title": self.title,
            "changes": changed,
        }


@dataclass
class Check:
    """The outcome of checking a whole file."""

    total: int = 0
    steps: list[Step] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    #: sku -> version of every listing a row matched, to notice edits made after the check
    versions: dict[str, int] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        counted = Counter(step.kind for step in self.steps)
        return {kind: counted.get(kind, 0) for kind in ("create", "update", "archive", "unchanged")}

    def valid_lines(self) -> list[int]:
        bad = {error.line for error in self.errors}
        return [step.line for step in self.steps if step.line not in bad]

    def recorded(self, recheck: bool = False) -> dict[str, Any]:
        """The ListingImport columns that record this check (errors, plan, preview)."""
        errors = [e.as_json() for e in self.errors[:MAX_STORED_ERRORS]]
        changes = [step.preview() for step in self.steps if step.kind != "unchanged"]
        summary = {
            "plan": self.counts(),
            "preview": changes[:PREVIEW_ROWS],
            "valid_lines": self.valid_lines(),
            "versions": self.versions,
            "more_errors": max(len(self.errors) - MAX_STORED_ERRORS, 0),
            "recheck": recheck,
        }
        return {
            "errors_json": json.dumps(errors),
            "summary_json": json.dumps(summary),
            "total_rows": self.total,
            "processed_rows": self.total,
            "finished_at": utcnow() if self.errors else None,
        }


def status_actions(current: str, target: str) -> list[ListingAction]:
    """The status actions that take a listing from `current` to `target` (TransitionRefused).

    An archived listing is restored to draft first; a published one never goes back to draft.
    """
    if current == target:
        return []
    actions: list[ListingAction] = []
    if current == "archived":
        actions.append(ListingAction.RESTORE)
        current = next_status(current, ListingAction.RESTORE)
        if current == target:
            return actions
    action = _ACTION_FOR_STATUS.get(target)
    if action is None:
        raise TransitionRefused(f"cannot go from {current} to {target}")
    next_status(current, action)
    return [*actions, action]


def check_file(coop: Coop, text: str, progress: Callable[[int], None] | None = None) -> Check:
    """Check every row of a listings CSV for `coop`; collect every error with line and column."""
    check = Check()
    try:
        parsed = csv_format.parse(text)
    except CsvUnreadable as unreadable:
        check.errors = [RowError(1, e.field, e.template, e.params) for e in unreadable.errors]
        return check
    categories = categories_by_slug()
    existing = {
        listing.sku: listing
        for listing in db.session.scalars(
            select(Listing).where(Listing.coop_id == coop.id, Listing.sku.is_not(None))
        )
    }
    seen: dict[str, int] = {}
    check.total = len(parsed.rows)
    for done, (line, cells) in enumerate(parsed.rows, start=1):
        try:
            row = csv_format.cells_of(parsed.columns, line, cells)
            step = _check_row(coop, line, row, existing, categories, seen, check.versions)
        except RowProblems as problems:
            check.errors.extend(problems.errors)
        else:
            check.steps.append(step)
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == check.total):
            progress(done)
    return check


def _check_row(
    coop: Coop,
    line: int,
    row: Mapping[str, str],
    existing: Mapping[str, Listing],
    categories: Mapping[str, Any],
    seen: dict[str, int],
    versions: dict[str, int],
) -> Step:
    errors: list[RowError] = []

    def fail(column: str, template: str, **params: object) -> None:
        errors.append(RowError(line, column, template, params))

    action = row.get("action", "").strip().lower()
    sku = row["sku"].strip()
    if action not in ("", *csv_format.ACTIONS):
        fail("action", N_("must be create, update or archive (or empty)"))
    if not sku:
        fail("sku", N_("is required"))
    elif len(sku) > MAX_SKU:
        fail(
            "sku",
            N_("must be at most %(limit)d characters (it has %(length)d)"),
            limit=MAX_SKU,
            length=len(sku),
        )
    elif not SKU_PATTERN.match(sku):
        fail("sku", N_("may contain only letters, digits and . _ / -"))
    elif sku in seen:
        first = seen[sku]
        fail(
            "sku",
            N_("%(sku)s is on line %(line)d already; a sku may appear once"),
            sku=sku,
            line=first,
        )
    else:
        seen[sku] = line
    listing = existing.get(sku) if not errors else None
    if listing is not None:
        versions[sku] = listing.version
    action = action or ("update" if listing is not None else "create")
    if not errors and action == "create" and listing is not None:
        fail("sku", N_("a listing with sku %(sku)s exists already: use the action update"), sku=sku)
    elif not errors and action != "create" and listing is None:
        fail("sku", N_("no listing of this co-op has sku %(sku)s"), sku=sku)
    if errors:
        raise RowProblems(errors)
    if action == "archive":
        assert listing is not None
        if listing.status is ListingStatus.ARCHIVED:
            return Step(line, sku, "unchanged", listing.title, listing)
        return Step(line, sku, "archive", listing.title, listing, actions=[ListingAction.ARCHIVE])
    return _check_fields(coop, line, row, sku, listing, categories, errors, fail)


def _check_fields(coop, line, row, sku, listing, categories, errors, fail) -> Step:  # noqa: ANN001
    target = row.get("status", "").strip().lower()
    if target and target not in STATUSES:
        fail("status", N_("must be one of: %(options)s"), options=", ".join(STATUSES))
    try:
        values = resolve(coop, _raw(row, listing), categories=categories, current=listing)
    except ListingInvalid as invalid:
        for error in invalid.errors:
            if listing is None and error.field not in row:
                fail(
                    error.field, N_("a new listing needs the column %(column)s"), column=error.field
                )
            else:
                fail(error.field, error.template, **error.params)
        values = {}
    current = str(listing.status) if listing is not None else "draft"
    actions: list[ListingAction] = []
    if target in STATUSES:
        try:
            actions = status_actions(current, target)
        except TransitionRefused:
            refused = N_("cannot change from %(current)s to %(target)s")
            fail("status", refused, current=current, target=target)
    if errors:
        raise RowProblems(errors)
    values["sku"] = sku
    if listing is None:
        return Step(line, sku, "create", values["title"], None, values, actions)
    changes = {k: v for k, v in values.items() if _differs(getattr(listing, k), v)}
    if "currency" in changes and "price" not in row:
        message = N_("changes the currency: give the price in the new currency too")
        raise RowProblems([RowError(line, "currency", message)])
    if not changes and not actions:
        return Step(line, sku, "unchanged", listing.title, listing)
    archives = bool(actions) and actions[-1] is ListingAction.ARCHIVE and not changes
    kind = "archive" if archives else "update"
    return Step(line, sku, kind, values["title"], listing, changes, actions)


def _raw(row: Mapping[str, str], listing: Listing | None) -> dict[str, Any]:
    """The fields `resolve` checks: the row's, over the listing's current ones when updating.

    The sku is left out: it was checked against the co-op's listings loaded once, which saves
    `resolve` a query per row.
    """
    given: dict[str, Any] = {name: row[name] for name in FIELDS if name in row}
    given["sku"] = ""
    if listing is None:
        return given
    base = listing_values(listing)
    if "price" in given:
        base.pop("price_amount")
    if "vat_rate" in given:
        base.pop("vat_rate_bp")
    return {**base, **given}


def _differs(current: Any, new: Any) -> bool:
    if hasattr(current, "id") and hasattr(new, "id"):
        return current.id != new.id
    return current != new
