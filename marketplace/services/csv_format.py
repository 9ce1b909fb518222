"""The listings CSV format: its columns, how a file is read, how a listing is written.

Pure: the standard library and the domain rules only, so it is unit-tested without an app.
Reading never guesses silently: anything it cannot take as meant becomes an error that
names the line (1-based, the header is line 1) and the column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..domain.listing_rules import FIELDS
from ..domain.messages import N_, FieldError
from ..domain.money import Money, vat_percent

#: every column, in the order of the template and the export
COLUMNS: tuple[str, ...] = ("action", *FIELDS, "status")
ACTIONS = ("create", "update", "archive")
STATUSES = ("draft", "active", "paused", "archived")
#: the columns a row that creates a listing needs (goods need `stock` too)
NEEDED_TO_CREATE = ("sku", "title", "kind", "category", "price", "currency", "vat_rate")
MAX_ROWS = 50_000
DELIMITERS = (",", ";")
#: a cell may hold a whole description (10,000 characters) with room to spare
csv.field_size_limit(1_000_000)


@dataclass(frozen=True)
class ColumnDoc:
    name: str
    required: str
    meaning: str
    example: str


#: the column documentation shown on the import page (texts are translated there)
COLUMN_DOCS: tuple[ColumnDoc, ...] = (
    ColumnDoc(
        "action",
        N_("no"),
        N_(
            "create, update or archive. Empty: update the listing with this sku if there "
            "is one, else create it."
        ),
        "update",
    ),
    ColumnDoc(
        "sku",
        N_("always"),
        N_(
            "Your own article number; it matches rows to listings. Letters, digits and "
            ". _ / - (at most 64)."
        ),
        "BREAD-RYE-750",
    ),
    ColumnDoc("title", N_("to create"), N_("3 to 200 characters."), "Rye sourdough loaf"),
    ColumnDoc("description", N_("no"), N_("Plain text, up to 10,000 characters."), "Baked daily."),
    ColumnDoc("kind", N_("to create"), N_("good or service."), "good"),
    ColumnDoc(
        "category",
        N_("to create"),
        N_("A category's short name (slug), as listed on the categories page."),
        "bread-pastry",
    ),
    ColumnDoc(
        "price",
        N_("to create"),
        N_("Gross price (VAT included) in the currency's main unit; . or , before the cents."),
        "12.50",
    ),
    ColumnDoc("currency", N_("to create"), N_("ISO code such as EUR, GBP or SEK."), "EUR"),
    ColumnDoc("vat_rate", N_("to create"), N_("VAT rate in percent."), "7"),
    ColumnDoc(
        "stock", N_("for goods"), N_("Units on hand, a whole number; 0 when sold out."), "25"
    ),
    ColumnDoc(
        "capacity",
        N_("no"),
        N_("Services: bookable places; empty means on request. Ignored for goods."),
        "",
    ),
    ColumnDoc("condition", N_("no"), N_("new, used or refurbished (empty: new)."), "new"),
    ColumnDoc("region", N_("no"), N_("Where the offer is made or given."), "Berlin"),
    ColumnDoc(
        "ships_to",
        N_("no"),
        N_("Country codes separated by spaces, or EU, or WORLD; empty: pickup only."),
        "DE AT",
    ),
    ColumnDoc("language", N_("no"), N_("Language of title and description: en, de or sv."), "de"),
    ColumnDoc(
        "status",
        N_("no"),
        N_(
            "draft, active, paused or archived. Empty keeps the current status; new "
            "listings start as draft."
        ),
        "active",
    ),
)


class CsvUnreadable(ValueError):
    """The upload cannot be read as a listings CSV at all; `errors` say why."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


def _unreadable(template: str, **params: object) -> CsvUnreadable:
    return CsvUnreadable([FieldError("", template, params)])


@dataclass
class RowError:
    """One problem in the file: its line (1-based, the header is line 1) and column."""

    line: int
    column: str
    template: str
    params: dict[str, object] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return self.template % self.params if self.params else self.template

    def as_json(self) -> dict[str, Any]:
        params = {k: v if isinstance(v, int | str) else str(v) for k, v in self.params.items()}
        return {
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "template": self.template,
            "params": params,
        }


NOT_TEXT = N_(
    "This is not a CSV file (it holds binary data). "
    "Upload a CSV file: text with one listing per line."
)
UNREADABLE_CHARACTERS = N_(
    "The file's characters could not be read. Save it as “CSV UTF-8” and upload it again."
)
_BINARY_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF-", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and encoding: a BOM means utf-8-sig, valid UTF-8 utf-8, else cp1252."""
    if not data.strip():
        raise _unreadable(N_("The file is empty."))
    if data.startswith(_BINARY_MAGIC[:2]):
        raise _unreadable(
            N_(
                "This is a spreadsheet workbook, not a CSV file. "
                "Save it as “CSV UTF-8” and upload that."
            )
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _unreadable(N_("This file is UTF-16 text. Save it as “CSV UTF-8” and upload that."))
    if data.startswith(_BINARY_MAGIC[2:]) or b"\x00" in data:
        raise _unreadable(NOT_TEXT)
    text, encoding = _text_of(data)
    controls = sum(1 for char in text if ord(char) < 32 and char not in "\t\r\n")
    if controls > len(text) // 100:
        raise _unreadable(NOT_TEXT)
    return text, encoding


def _text_of(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raise _unreadable(UNREADABLE_CHARACTERS) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        raise _unreadable(UNREADABLE_CHARACTERS) from None


def sniff_delimiter(header_line: str) -> str:
    """`;` when the header has more semicolons than commas outside quotes, else `,`."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    return ";" if counts[";"] > counts[","] else ","


def _blank(cells: Sequence[str]) -> bool:
    return all(not cell.strip() for cell in cells)


@dataclass
class ParsedFile:
    header_line: int
    delimiter: str
    columns: list[str]
    #: (line where the row starts, cells), blank rows left out
    rows: list[tuple[int, list[str]]]


def parse(text: str) -> ParsedFile:
    """Split text into a header and rows with their line numbers, or CsvUnreadable."""
    lines = text.splitlines()
    header_index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_index is None:
        raise _unreadable(N_("The file is empty."))
    delimiter = sniff_delimiter(lines[header_index])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    header_line = 0
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            if not _blank(cells):
                if header is None:
                    header, header_line = cells, start
                else:
                    rows.append((start, cells))
                    if len(rows) > MAX_ROWS:
                        raise _unreadable(
                            N_("The file has more than %(limit)d rows; split it up."),
                            limit=MAX_ROWS,
                        )
            start = reader.line_num + 1
    except csv.Error as error:
        raise _unreadable(
            N_("Line %(line)d cannot be read as CSV: %(reason)s"), line=start, reason=str(error)
        ) from None
    assert header is not None  # a non-blank line exists
    return ParsedFile(header_line, delimiter, check_header(header, header_line), rows)


def _column_name(raw: str) -> str:
    return raw.strip().lstrip("\ufeff").strip().lower().replace(" ", "_").replace("-", "_")


def check_header(cells: Sequence[str], line: int = 1) -> list[str]:
    """The column names of a header row, or CsvUnreadable naming every wrong one."""
    names = [_column_name(cell) for cell in cells]
    while names and not names[-1]:
        names.pop()  # spreadsheets often leave empty columns at the end
    errors: list[FieldError] = []
    for position, name in enumerate(names, start=1):
        if not name:
            errors.append(
                FieldError("", N_("Column %(number)d has no name."), {"number": position})
            )
        elif name not in COLUMNS:
            errors.append(
                FieldError(
                    name,
                    N_("Unknown column “%(name)s”. The columns are: %(columns)s."),
                    {"name": name, "columns": ", ".join(COLUMNS)},
                )
            )
        elif names.index(name) != position - 1:
            errors.append(FieldError(name, N_("Column “%(name)s” appears twice."), {"name": name}))
    if "sku" not in names:
        errors.append(
            FieldError(
                "sku",
                N_(
                    "The header (line %(line)d) has no “sku” column; "
                    "every row needs the listing's article number."
                ),
                {"line": line},
            )
        )
    if errors:
        raise CsvUnreadable(errors)
    return names


def cells_of(columns: Sequence[str], line: int, cells: list[str]) -> dict[str, str]:
    """A row's cells by column name, or a list of RowError (raised as RowProblems)."""
    if len(cells) > len(columns) and _blank(cells[len(columns) :]):
        cells = cells[: len(columns)]
    if len(cells) != len(columns):
        template = (
            N_(
                "This row has %(cells)d cells but the header has %(columns)d columns "
                "(is a closing quotation mark missing?)."
            )
            if any("\n" in cell for cell in cells)
            else N_("This row has %(cells)d cells but the header has %(columns)d columns.")
        )
        counts = {"cells": len(cells), "columns": len(columns)}
        raise RowProblems([RowError(line, "", template, counts)])
    return dict(zip(columns, cells, strict=True))


class RowProblems(ValueError):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


def format_price(amount: int, currency: str) -> str:
    """Minor units as typed in major units: 1250 EUR -> "12.50", 500 JPY -> "500"."""
    return format(Money(amount, currency).to_decimal(), "f")


def format_vat(rate_bp: int) -> str:
    """Basis points as percent: 1900 -> "19", 550 -> "5.5"."""
    return format(vat_percent(rate_bp), "f")


def listing_row(listing: Any) -> list[str]:
    """A listing as one export row; re-importing it changes nothing."""
    return [
        "update",
        listing.sku or "",
        listing.title,
        listing.description,
        str(listing.kind),
        listing.category.slug,
        format_price(listing.price_amount, listing.currency),
        listing.currency,
        format_vat(listing.vat_rate_bp),
        "" if listing.stock is None else str(listing.stock),
        "" if listing.capacity is None else str(listing.capacity),
        str(listing.condition),
        listing.region,
        listing.ships_to,
        listing.language,
        str(listing.status),
    ]


def write(rows: Iterable[Sequence[object]], header: Sequence[str] = COLUMNS) -> bytes:
    """A CSV file as bytes: UTF-8 with a BOM (so Excel reads it right), commas, CRLF."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def example_rows() -> list[list[str]]:
    """The template's example rows: a good and a service, both to create."""
    good = ["create", *(doc.example for doc in COLUMN_DOCS[1:])]
    service = {
        "sku": "REPAIR-HOUR",
        "title": "Bicycle repair, per hour",
        "description": "Bring your bike to our workshop.",
        "kind": "service",
        "category": "bike-parts",
        "price": "35",
        "vat_rate": "19",
        "stock": "",
        "region": "Leipzig",
        "ships_to": "",
        "language": "en",
        "status": "draft",
    }
    return [good, [service.get(name, good[i]) for i, name in enumerate(COLUMNS)]]
