"""The hot path's read of an existing listing (platform_id and external_id) is served by the
unique index, on both databases, whatever statistics the planner has.

Why this is pinned: with a second index on listings.platform_id, PostgreSQL planned this read
on that index while the table had no statistics yet (a new install, before autovacuum's first
ANALYZE), and psycopg keeps a connection's prepared plan; every decision then read all of the
platform's listings (measured: 3,389 index tuples a request after 4,000 listings)."""
from sqlalchemy import inspect

from gateway.listings.services import _MERCHANT_AND_EXISTING


def test_only_the_unique_index_leads_with_platform_id_on_listings_and_merchants(runtime):
    inspector = inspect(runtime.db.engine)
    for table in ("listings", "merchants"):
        leading = {tuple(index["column_names"]) for index in inspector.get_indexes(table)
                   if index["column_names"][0] == "platform_id"}
        unique = {tuple(c["column_names"]) for c in inspector.get_unique_constraints(table)}
        assert ("platform_id", "external_id") in unique
        # SQLite reports the unique constraint's index among the indexes, PostgreSQL does not.
        assert leading <= {("platform_id", "external_id")}, (table, leading)


def test_the_existing_listing_look_up_uses_the_unique_index(runtime, platform):
    params = {"platform_id": platform[0], "merchant_id": "mer_none", "external_id": "sku-1"}
    with runtime.db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # The plan psycopg's prepared statement keeps after five executions: the generic one.
            conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
            compiled = _MERCHANT_AND_EXISTING.statement.compile(dialect=conn.dialect)
            names = list(dict.fromkeys(compiled.bind_names.values()))
            sql = compiled.string % {name: f"${i}" for i, name in enumerate(names, 1)}
            conn.exec_driver_sql(f"PREPARE existing_lookup AS {sql}")
            values = ", ".join(f"'{params[name]}'" for name in names)
            plan = "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN EXECUTE existing_lookup({values})"))
            conn.exec_driver_sql("DEALLOCATE existing_lookup")
        else:
            compiled = _MERCHANT_AND_EXISTING.statement.compile(dialect=conn.dialect)
            plan = "\n".join(str(row[-1]) for row in conn.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {compiled.string}", tuple(params[n] for n in compiled.positiontup)))
        conn.rollback()
    listing_scans = [line for line in plan.splitlines() if "listings" in line]
    assert listing_scans and all("uq_listings_platform_id_external_id" in line or "autoindex_listings" in line
                                 for line in listing_scans), plan
