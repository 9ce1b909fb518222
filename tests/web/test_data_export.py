"""A co-op can take all its data with it: one archive of JSON and CSV files."""

import csv
import io
import json
import zipfile

from PIL import Image
from werkzeug.datastructures import FileStorage

from marketplace.models import ListingStatus, MemberRole
from marketplace.services.claims import save_answers, start_claim
from marketplace.services.images import add_images
from tests.claim_factories import make_label_with_criteria
from tests.factories import make_coop, make_listing, make_member, make_user
from tests.web.helpers import log_in


def test_the_export_holds_profile_members_listings_and_their_csv(app):
    coop = make_coop(slug="bakery", name="Bakery Co-op", description="<b>We bake.</b>")
    admin = make_user(name="Ada Admin")
    make_member(admin, coop, MemberRole.ADMIN)
    rye = make_listing(coop=coop, title="Rye", sku="R-1", price_amount=450)
    photo = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 80, 40)).save(photo, "JPEG")
    photo.seek(0)
    (image,) = add_images(rye, [FileStorage(photo, filename="rye.jpg", content_type="image/jpeg")])
    make_listing(coop=coop, title="Draft cake", sku="C-1", status=ListingStatus.DRAFT)
    make_listing(title="Someone else's bread", sku="X-1")
    label = make_label_with_criteria()
    claim = start_claim(coop, label, None, admin)
    criterion = label.current_version.criteria[1]
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    save_answers(
        claim,
        {criterion.id: {"answer": "From our own garden.", "evidence_url": ""}},
        admin,
        {
            criterion.id: FileStorage(
                io.BytesIO(pdf), filename="sourcing.pdf", content_type="application/pdf"
            )
        },
    )
    client = app.test_client()
    log_in(client, admin)
    response = client.get("/dashboard/bakery/export.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "bakery-export.zip" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = set(archive.namelist())
    assert {"manifest.json", "coop.json", "members.csv", "listings.json", "listings.csv"} <= names
    profile = json.loads(archive.read("coop.json"))
    assert profile["slug"] == "bakery" and profile["description"] == "<b>We bake.</b>"
    listings = json.loads(archive.read("listings.json"))
    assert sorted(item["title"] for item in listings) == ["Draft cake", "Rye"]
    assert {item["price_amount"] for item in listings} >= {450}
    members = list(csv.DictReader(io.StringIO(archive.read("members.csv").decode())))
    assert [(m["name"], m["role"]) for m in members] == [("Ada Admin", "admin")]
    (with_picture,) = [item for item in listings if item["images"]]
    stored = with_picture["images"][0]["file"]
    assert stored == f"images/{image.filename}" and stored in names
    assert Image.open(io.BytesIO(archive.read(stored))).size == (64, 48)
    (claim_record,) = json.loads(archive.read("label_claims.json"))
    assert claim_record["label"] == claim.label.slug and claim_record["status"] == "draft"
    with_file = [a for a in claim_record["answers"] if a["evidence_file"]]
    assert with_file and with_file[0]["evidence_file"] in names
    assert archive.read(with_file[0]["evidence_file"]).startswith(b"%PDF-")
    rows = list(csv.DictReader(io.StringIO(archive.read("listings.csv").decode("utf-8-sig"))))
    assert sorted(row["sku"] for row in rows) == ["C-1", "R-1"]


def test_only_the_coops_admins_may_export(app):
    coop = make_coop(slug="bakery")
    member = make_user()
    make_member(member, coop, MemberRole.MEMBER)
    client = app.test_client()
    log_in(client, member)
    assert client.get("/dashboard/bakery/export.zip").status_code == 403
