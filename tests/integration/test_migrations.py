"""The migrations build exactly the schema the models describe, on every database."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, Table, inspect

from marketplace.extensions import db
from search.postgres_schema import INDEX_TABLES, is_index_table


def _models_only(name, type_, parent_names) -> bool:
    """The filter migrations/env.py uses: the PostgreSQL search index is not a model."""
    return not (type_ == "table" and is_index_table(name))


def _differences(metadata: MetaData, include_name=_models_only) -> list:
    with db.engine.connect() as connection:
        opts = {"compare_type": True, "include_name": include_name}
        context = MigrationContext.configure(connection, opts=opts)
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


def test_the_comparison_notices_a_table_the_models_lack(app):
    with db.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE stray_table (id integer PRIMARY KEY)")
    differences = _differences(db.metadata)
    assert [(diff[0], diff[1].name) for diff in differences] == [("remove_table", "stray_table")]


def test_only_the_search_index_tables_are_left_out_of_the_comparison(app, backend):
    assert not is_index_table("search_outbox") and not is_index_table("listings")
    assert not is_index_table("search_documents_old") and not is_index_table(None)
    unfiltered = _differences(db.metadata, include_name=lambda *args: True)
    removed = sorted(diff[1].name for diff in unfiltered if diff[0] == "remove_table")
    # PostgreSQL has the index tables (migration 0004); SQLite has none of them.
    assert removed == (sorted(INDEX_TABLES) if backend == "postgresql" else [])
    # ... and everything else the unfiltered comparison reports is an index of those tables
    others = [d for d in unfiltered if d[0] != "remove_table"]
    assert {(d[0], d[1].table.name in INDEX_TABLES) for d in others} <= {("remove_index", True)}


def test_autogenerate_through_the_migration_environment_finds_nothing_to_do(app):
    from flask_migrate import check

    try:
        check()
    except SystemExit as exit_:  # Flask-Migrate exits non-zero when it finds changes
        pytest.fail(f"flask db check found schema changes (exit {exit_.code})")


def test_constraints_follow_the_naming_convention(app):
    inspector = inspect(db.engine)
    assert inspector.get_pk_constraint("listings")["name"] == "pk_listings" or (
        db.engine.dialect.name == "sqlite"  # SQLite does not report primary key names
    )
    uniques = {u["name"] for u in inspector.get_unique_constraints("memberships")}
    assert "uq_memberships_user_id_coop_id" in uniques
    foreign = {f["name"] for f in inspector.get_foreign_keys("listings")}
    assert "fk_listings_coop_id_coops" in foreign
