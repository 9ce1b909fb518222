"""Reading a listings CSV: encodings, separators, blank lines, headers, line numbers."""

import pytest

from marketplace.services import csv_format
from marketplace.services.csv_format import (
    COLUMNS,
    CsvUnreadable,
    RowProblems,
    cells_of,
    check_header,
    decode,
    parse,
    sniff_delimiter,
)

HEADER = "action,sku,title,price"


def messages(error: CsvUnreadable) -> str:
    return " ".join(e.message for e in error.errors)


def test_the_columns_are_in_the_documented_order():
    assert COLUMNS == (
        "action", "sku", "title", "description", "kind", "category", "price", "currency",
        "vat_rate", "stock", "capacity", "condition", "region", "ships_to", "language", "status",
    )  # fmt: skip
    assert [doc.name for doc in csv_format.COLUMN_DOCS] == list(COLUMNS)


@pytest.mark.parametrize(
    ("data", "text", "encoding"),
    [
        ("\ufeffsku,title\r\nA1,Café\r\n".encode(), "sku,title\r\nA1,Café\r\n", "utf-8-sig"),
        ("sku,title\nA1,Café €\n".encode(), "sku,title\nA1,Café €\n", "utf-8"),
        ("sku;title\nA1;Café €\n".encode("cp1252"), "sku;title\nA1;Café €\n", "cp1252"),
    ],
)
def test_utf8_with_or_without_bom_and_cp1252_are_told_apart(data, text, encoding):
    assert decode(data) == (text, encoding)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "empty"),
        (b"  \r\n\r\n ", "empty"),
        (b"PK\x03\x04\x14\x00\x06\x00", "spreadsheet workbook"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"sku,title\x00\x00\x01", "binary"),
        ("sku,title\n".encode("utf-16"), "UTF-16"),
        (b"%PDF-1.7\n%\xe2\xe3", "binary"),
    ],
)
def test_files_that_are_not_csv_text_are_refused_with_a_reason(data, says):
    with pytest.raises(CsvUnreadable) as refused:
        decode(data)
    assert says in messages(refused.value)


def test_random_bytes_are_not_taken_for_windows_text():
    noise = bytes(range(1, 32)) * 50
    with pytest.raises(CsvUnreadable, match="binary"):
        decode(noise)


@pytest.mark.parametrize(
    ("header", "delimiter"),
    [
        ("action,sku,title", ","),
        ("action;sku;title", ";"),
        ('"a;b",sku,title', ","),
        ('"a,b";sku;title', ";"),
        ("sku", ","),
    ],
)
def test_the_separator_is_read_from_the_header_outside_quotes(header, delimiter):
    assert sniff_delimiter(header) == delimiter


def test_rows_keep_the_line_they_start_on_and_blank_lines_are_skipped():
    text = (
        "action;sku;title;price\r\n"  # line 1
        "\r\n"  # 2: blank
        "create;A1;Rye;4,50\r\n"  # 3
        ";;;\r\n"  # 4: only separators
        '   \r\ncreate;A2;"Two\r\nlines";5\r\n'  # 5 blank-ish, 6-7 one row
        "create;A3;Oat;3\r\n"  # 8
    )
    parsed = parse(text)
    assert parsed.delimiter == ";"
    assert parsed.header_line == 1
    assert parsed.columns == ["action", "sku", "title", "price"]
    assert [(line, cells[1]) for line, cells in parsed.rows] == [(3, "A1"), (6, "A2"), (8, "A3")]
    assert parsed.rows[0][1][3] == "4,50"


def test_the_header_is_the_first_line_that_is_not_blank():
    parsed = parse("\n\nsku,title\nA1,Rye\n")
    assert parsed.header_line == 3
    assert parsed.rows == [(4, ["A1", "Rye"])]


def test_header_names_are_forgiving_about_case_spaces_and_trailing_empty_columns():
    assert check_header([" SKU ", "Vat Rate", "ships-to", "", ""]) == [
        "sku",
        "vat_rate",
        "ships_to",
    ]


def test_unknown_duplicate_nameless_and_missing_columns_are_all_named():
    with pytest.raises(CsvUnreadable) as refused:
        check_header(["title", "prize", "title", "", "price"])
    errors = refused.value.errors
    assert [(e.field, e.template.split()[0]) for e in errors] == [
        ("prize", "Unknown"),
        ("title", "Column"),
        ("", "Column"),
        ("sku", "The"),
    ]
    assert "prize" in errors[0].message and "vat_rate" in errors[0].message
    assert "no “sku” column" in errors[3].message


def test_a_row_with_too_many_or_too_few_cells_is_an_error_on_its_line():
    columns = ["sku", "title", "price"]
    assert cells_of(columns, 2, ["A1", "Rye", "4", "", " "]) == {
        "sku": "A1",
        "title": "Rye",
        "price": "4",
    }
    with pytest.raises(RowProblems) as short:
        cells_of(columns, 7, ["A1", "Rye"])
    (error,) = short.value.errors
    assert (error.line, error.message) == (7, "This row has 2 cells but the header has 3 columns.")
    with pytest.raises(RowProblems, match="closing quotation mark"):
        cells_of(columns, 9, ["A1", "Rye\nA2,Oat,3\n"])


def test_too_many_rows_are_refused_before_anything_is_checked(monkeypatch):
    monkeypatch.setattr(csv_format, "MAX_ROWS", 3)
    with pytest.raises(CsvUnreadable, match="more than 3 rows"):
        parse("sku\n" + "A\n" * 4)


def test_prices_and_vat_rates_are_written_as_typed():
    assert csv_format.format_price(1250, "EUR") == "12.50"
    assert csv_format.format_price(100000, "SEK") == "1000.00"
    assert csv_format.format_price(500, "JPY") == "500"
    assert csv_format.format_vat(1900) == "19"
    assert csv_format.format_vat(550) == "5.5"
    assert csv_format.format_vat(1000) == "10"
    assert csv_format.format_vat(0) == "0"


def test_written_files_have_a_bom_and_quote_what_needs_it():
    data = csv_format.write([["a,b", 'say "hi"', "two\nlines"]], header=("sku", "title", "region"))
    assert data.startswith(b"\xef\xbb\xbf")
    text, encoding = decode(data)
    assert encoding == "utf-8-sig"
    parsed = parse(text)
    assert parsed.rows == [(2, ["a,b", 'say "hi"', "two\nlines"])]


def test_the_template_has_every_column_and_two_rows_to_create():
    parsed = parse(decode(csv_format.write(csv_format.example_rows()))[0])
    assert parsed.columns == list(COLUMNS)
    assert [cells[0] for _, cells in parsed.rows] == ["create", "create"]
    assert all(len(cells) == len(COLUMNS) for _, cells in parsed.rows)
