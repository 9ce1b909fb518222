"""The CSV import and export pages of the co-op dashboard."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest

from marketplace.extensions import db
from marketplace.models import ImportStatus, ListingImport, MemberRole
from marketplace.models.base import utcnow
from marketplace.services import csv_io
from marketplace.services.csv_format import COLUMNS
from tests.factories import make_category, make_coop, make_listing, make_member, make_user
from tests.integration.test_csv_import import csv_file, good
from tests.web.helpers import log_in

SCRIPT = '<script>alert("x")</script>'


@pytest.fixture
def shop(app):
    app.config["JOBS_BACKEND"] = "inline"
    coop = make_coop(name="Kornblume Bakery", slug="kornblume")
    other = make_coop(name="Fika Roasters", slug="fika")
    make_category(slug="bread", name="Bread")
    member, outsider = make_user(), make_user()
    make_member(member, coop, MemberRole.MEMBER)
    make_member(outsider, other, MemberRole.ADMIN)
    return {"coop": coop, "other": other, "member": member, "outsider": outsider}


def send(client, data: bytes, name: str = "listings.csv", slug: str = "kornblume"):
    return client.post(
        f"/dashboard/{slug}/listings/csv",
        data={"file": (io.BytesIO(data), name, "text/csv")},
        content_type="multipart/form-data",
    )


def latest_import() -> ListingImport:
    return db.session.scalars(db.select(ListingImport).order_by(ListingImport.id.desc())).first()


def text(response) -> str:
    return response.get_data(as_text=True)


# Who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/listings/csv", "/listings/export.csv", "/listings/template.csv"],
)
def test_only_the_coops_own_members_reach_its_csv_pages(client, shop, path):
    url = f"/dashboard/kornblume{path}"
    assert client.get(url).status_code == 302  # anonymous: log in first
    log_in(client, shop["outsider"])
    assert client.get(url).status_code == 403
    log_in(client, make_user())
    assert client.get(url).status_code == 403
    log_in(client, shop["member"])
    assert client.get(url).status_code == 200


def test_another_coops_import_is_not_found_even_for_its_own_pages(client, shop):
    log_in(client, shop["member"])
    send(client, csv_file([good("A1")]))
    job = latest_import()
    log_in(client, shop["outsider"])
    for suffix in ("", ".json", "/errors.csv"):
        assert client.get(f"/dashboard/kornblume/imports/{job.id}{suffix}").status_code == 403
        assert client.get(f"/dashboard/fika/imports/{job.id}{suffix}").status_code == 404
    assert client.post(f"/dashboard/fika/imports/{job.id}/import").status_code == 404


# The page and the downloads ------------------------------------------------------------------


def test_the_import_page_documents_every_column_and_links_the_downloads(client, shop):
    log_in(client, shop["member"])
    page = text(client.get("/dashboard/kornblume/listings/csv"))
    for column in COLUMNS:
        assert f"<code>{column}</code>" in page
    assert "/dashboard/kornblume/listings/template.csv" in page
    assert "/dashboard/kornblume/listings/export.csv" in page
    assert 'enctype="multipart/form-data"' in page


def test_the_template_is_a_utf8_bom_attachment_with_the_columns_in_order(client, shop):
    log_in(client, shop["member"])
    response = client.get("/dashboard/kornblume/listings/template.csv")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf" + ",".join(COLUMNS).encode() + b"\r\n")


def test_the_export_holds_the_coops_listings_only(client, shop):
    make_listing(coop=shop["coop"], sku="MINE-1", title="Rye")
    make_listing(coop=shop["other"], sku="THEIRS-1", title="Coffee")
    log_in(client, shop["member"])
    response = client.get("/dashboard/kornblume/listings/export.csv")
    assert response.headers["Content-Disposition"] == "attachment; filename=kornblume-listings.csv"
    assert b"MINE-1" in response.data and b"THEIRS-1" not in response.data


# Uploading -----------------------------------------------------------------------------------


def test_a_valid_upload_is_checked_then_imported_with_one_button(client, shop):
    log_in(client, shop["member"])
    response = send(client, csv_file([good("A1"), good("A2", title=SCRIPT)]))
    assert response.status_code == 302
    job = latest_import()
    assert response.headers["Location"] == f"/dashboard/kornblume/imports/{job.id}"
    page = text(client.get(response.headers["Location"]))
    assert "Import 2 rows" in page
    assert SCRIPT not in page and "&lt;script&gt;" in page
    assert 'http-equiv="refresh"' not in page
    response = client.post(f"/dashboard/kornblume/imports/{job.id}/import")
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "Imported." in page and "<strong>2</strong> created" in page
    assert client.post(f"/dashboard/kornblume/imports/{job.id}/import").status_code == 409


@pytest.mark.parametrize(
    ("data", "name", "says"),
    [
        (b"", "empty.csv", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.csv", "This is not a CSV file"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00", "listings.xlsx", "spreadsheet workbook"),
        (b"sku,title,prize\r\nA,B,C\r\n", "typo.csv", "Unknown column “prize”"),
        (b"title,price\r\nRye,4\r\n", "nosku.csv", "has no “sku” column"),
        (b"sku,title\r\n\r\n,,\r\n", "header-only.csv", "a header but no rows"),
    ],
)
def test_files_that_cannot_be_imported_get_a_clear_400(client, shop, data, name, says):
    log_in(client, shop["member"])
    response = send(client, data, name)
    assert response.status_code == 400
    assert says in text(response)
    assert latest_import() is None


def test_an_upload_without_a_file_gets_a_400(client, shop):
    log_in(client, shop["member"])
    response = client.post("/dashboard/kornblume/listings/csv", data={})
    assert response.status_code == 400
    assert "Choose a CSV file to upload." in text(response)


def test_errors_are_listed_with_line_and_column_escaped_and_downloadable(client, shop):
    log_in(client, shop["member"])
    rows = [
        good("A1"),
        good("A2", category=SCRIPT),
        good("A3", price="999999999999", title="x" * 10_000),
    ]
    send(client, csv_file(rows))
    job = latest_import()
    page = text(client.get(f"/dashboard/kornblume/imports/{job.id}"))
    assert "3 errors found in 2 rows." in page
    assert "must be at most 200 characters (it has 10000)" in page
    assert "is too large" in page
    assert SCRIPT not in page and "unknown category &#39;&lt;script&gt;" in page
    response = client.get(f"/dashboard/kornblume/imports/{job.id}/errors.csv")
    lines = response.data.decode("utf-8-sig").splitlines()
    assert lines[0] == "line,column,message"
    assert lines[1].startswith('3,category,"unknown category')
    assert lines[2:] == [
        "4,title,must be at most 200 characters (it has 10000)",
        "4,price,is too large",
    ]
    status = client.get(f"/dashboard/kornblume/imports/{job.id}.json").get_json()
    assert status == {"status": "invalid", "total_rows": 3, "processed_rows": 3, "errors": 3}


def test_the_valid_rows_are_imported_only_after_ticking_the_confirmation(client, shop):
    log_in(client, shop["member"])
    send(client, csv_file([good("A1"), good("A2", price="-1"), good("A3")]))
    job = latest_import()
    url = f"/dashboard/kornblume/imports/{job.id}"
    page = text(client.get(url))
    assert "Import only the 2 valid rows" in page and "Import 3 rows" not in page
    response = client.post(f"{url}/import-valid-rows", data={"valid_rows": "2"})
    assert response.status_code == 400 and "Tick the box to confirm." in text(response)
    assert client.post(f"{url}/import").status_code == 409
    response = client.post(f"{url}/import-valid-rows", data={"valid_rows": "2", "understood": "y"})
    assert response.status_code == 302
    page = text(client.get(url))
    assert "<strong>2</strong> created" in page
    assert "1 row had errors and was not imported" in page


def test_a_running_import_shows_its_progress_and_refreshes_itself(client, shop):
    log_in(client, shop["member"])
    send(client, csv_file([good(f"A{n}") for n in range(10)]))
    job = latest_import()
    job.status, job.processed_rows = ImportStatus.VALIDATING, 4
    job.summary_json = json.dumps({"heartbeat": utcnow().isoformat()})
    db.session.commit()
    page = text(client.get(f"/dashboard/kornblume/imports/{job.id}"))
    assert '<meta http-equiv="refresh" content="2">' in page
    assert '<progress value="4" max="10">' in page
    assert "4 of 10 rows" in page
    status = client.get(f"/dashboard/kornblume/imports/{job.id}.json").get_json()
    assert status == {"status": "validating", "total_rows": 10, "processed_rows": 4, "errors": 0}


def test_a_stuck_import_is_shown_as_failed_with_the_reason(client, shop):
    log_in(client, shop["member"])
    send(client, csv_file([good("A1")]))
    job = latest_import()
    job.status = ImportStatus.RUNNING
    stale = utcnow() - csv_io.STALE_AFTER - timedelta(minutes=1)
    job.summary_json = json.dumps({"heartbeat": stale.isoformat()})
    db.session.commit()
    page = text(client.get(f"/dashboard/kornblume/imports/{job.id}"))
    assert "The import failed." in page
    assert "stopped reporting progress for 3 minutes" in page
    assert 'http-equiv="refresh"' not in page
    response = client.post(f"/dashboard/kornblume/imports/{job.id}/check-again")
    assert response.status_code == 302
    assert "Import 1 row" in text(client.get(response.headers["Location"]))


def test_past_imports_are_listed_with_their_status(client, shop):
    log_in(client, shop["member"])
    send(client, csv_file([good("A1")]), name=f"{SCRIPT}.csv")
    page = text(client.get("/dashboard/kornblume/listings/csv"))
    assert "Ready to import" in page
    assert "&lt;script&gt;" in page and SCRIPT not in page


def test_uploads_need_the_csrf_token(client, shop, app):
    log_in(client, shop["member"])
    app.config["WTF_CSRF_ENABLED"] = True
    response = send(client, csv_file([good("A1")]))
    assert response.status_code == 400
    assert latest_import() is None
