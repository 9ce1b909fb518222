"""The migrations build exactly the schema the models describe, on every database."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, Table, inspect

from marketplace.extensions import db


def _differences(metadata: MetaData) -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata)


def test_migrated_schema_matches_the_models_exactly(app):
    assert _differences(db.metadata) == []


def test_the_comparison_notices_a_model_the_migrations_lack(app):
    extra = MetaData()
    for table in db.metadata.tables.values():
        table.to_metadata(extra)
    Table("not_migrated", extra, Column("id", Integer, primary_key=True))
    kinds = [diff[0] for diff in _differences(extra)]
    assert kinds == ["add_table"]


def test_constraints_follow_the_naming_convention(app):
    inspector = inspect(db.engine)
    assert inspector.get_pk_constraint("listings")["name"] == "pk_listings" or (
        db.engine.dialect.name == "sqlite"  # SQLite does not report primary key names
    )
    uniques = {u["name"] for u in inspector.get_unique_constraints("memberships")}
    assert "uq_memberships_user_id_coop_id" in uniques
    foreign = {f["name"] for f in inspector.get_foreign_keys("listings")}
    assert "fk_listings_coop_id_coops" in foreign
