"""Bulk pages reach dlt as Parquet files the connector writes (page_file.py).

The raw landing is a contract for dbt's staging: whichever way the rows
reach dlt, the warehouse must get the same columns, types and values, and
dlt's schema the same column hints, as when dlt is handed the Arrow rows.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from connectors.salesforce.extract.fields import ExtractField, records_to_arrow
from connectors.salesforce.extract.load import pipeline
from connectors.salesforce.extract.page_file import (
    ParquetPage,
    delivered_rows,
    dictionary_columns,
)
from connectors.salesforce.extract.source import mark_deletes, table_name
from tests.factories.connector import connector_store

FIELDS = [
    ExtractField("Id", "id"),
    ExtractField("IsDeleted", "boolean"),
    ExtractField("SystemModstamp", "datetime"),
    ExtractField("StageName", "picklist"),
    ExtractField("Interests__c", "multipicklist"),
    ExtractField("Subject", "combobox"),
    ExtractField("AccountId", "reference"),
    ExtractField("Description", "textarea"),
    ExtractField("Amount", "currency"),
]
SEEN_AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def records(first: int, count: int) -> list[dict]:
    return [
        {
            "Id": f"006BN{n:010d}AAA",
            "IsDeleted": n % 7 == 0,
            "SystemModstamp": f"2025-0{1 + n % 9}-01T10:00:00.000+00:00",
            "StageName": ["Prospecting", "Closed Won", None][n % 3],
            "Interests__c": "Golf;Tennis" if n % 2 else None,
            "Subject": "Call",
            "AccountId": f"001BN{n // 3:010d}AAA",
            "Description": f"line one\nline, two {n}",
            "Amount": n * 1.5,
        }
        for n in range(first, first + count)
    ]


def test_only_fields_picked_from_a_list_get_a_dictionary():
    assert dictionary_columns(FIELDS) == ["stage_name", "interests_c", "subject"]


def test_a_page_is_written_whole_with_dictionaries_only_where_declared(tmp_path):
    batches = [
        mark_deletes(records_to_arrow(records(first, 40), FIELDS), SEEN_AT) for first in (0, 40)
    ]
    with ParquetPage(tmp_path / "page.parquet", FIELDS) as page:
        for batch in batches:
            page.write(batch)

    written = pq.read_table(page.path)
    assert written.equals(pa.concat_tables(batches))
    assert page.rows == delivered_rows(page.delivery()) == 80
    metadata = pq.ParquetFile(page.path).metadata
    with_dictionary = {
        metadata.row_group(0).column(i).path_in_schema
        for i in range(metadata.num_columns)
        if metadata.row_group(0).column(i).has_dictionary_page
    }
    assert with_dictionary == {"stage_name", "interests_c", "subject"}


def test_a_page_without_rows_has_nothing_to_deliver(tmp_path):
    with ParquetPage(tmp_path / "empty.parquet", FIELDS) as page:
        pass
    assert page.rows == 0
    with pytest.raises(ValueError, match="no rows"):
        page.delivery()


def warehouse_columns(path, table: str) -> list[tuple[str, str, str]]:
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute(
            "select column_name, data_type, is_nullable from information_schema.columns "
            "where table_schema = 'salesforce' and table_name = ? order by ordinal_position",
            [table],
        ).fetchall()


def test_bulk_pages_land_the_same_columns_types_and_hints_as_arrow_rows(rest_and_bulk):
    """REST hands dlt Arrow tables; Bulk hands it Parquet files of several pages."""
    objects = ["Account", "Contact", "Opportunity", "Survey_Response__c"]
    via_rest, via_bulk, summary = rest_and_bulk(objects, accounts=60, bulk_page_rows=7)

    assert set(summary.transports.values()) == {"bulk"}
    rest_schema = pipeline(via_rest.settings).default_schema
    bulk_schema = pipeline(via_bulk.settings).default_schema
    for object_name in objects:
        table = table_name(object_name)
        assert len(via_bulk.raw(object_name)) > 7, f"{object_name} fits one page"
        assert warehouse_columns(via_bulk.settings.warehouse.path, table) == warehouse_columns(
            via_rest.settings.warehouse.path, table
        ), object_name
        assert bulk_schema.get_table_columns(table) == rest_schema.get_table_columns(table)
        assert via_bulk.raw(object_name) == via_rest.raw(object_name), object_name
        assert summary.rows_per_table[table] == len(via_bulk.raw(object_name))


@pytest.mark.postgres
def test_bulk_pages_land_in_postgres_as_rest_rows_do(extraction, postgres_url, tmp_path):
    """PostgreSQL takes no Parquet: dlt's normalize rewrites the imported pages as inserts."""
    from urllib.parse import urlparse

    from rapport.config import WarehouseSettings
    from rapport.warehouse import backend_for
    from tests.warehouses import fresh_postgres_database

    url = urlparse(postgres_url)
    landed = {}
    for transport, threshold in (("rest", 1_000_000), ("bulk", 0)):
        run = extraction(connector_store(accounts=30))
        run.configure(bulk_threshold_rows=threshold, bulk_page_rows=7)
        warehouse = WarehouseSettings(
            type="postgres",
            host=url.hostname,
            port=url.port,
            user=url.username,
            password=url.password or None,
            database=fresh_postgres_database(postgres_url),
        )
        run.settings = run.settings.model_copy(
            update={"warehouse": warehouse, "state_dir": tmp_path / f"{transport}-state"}
        )
        summary = run.run(objects=["Account", "Opportunity"])
        assert set(summary.transports.values()) == {transport}
        with backend_for(warehouse).sql() as sql:
            for table in ("account", "opportunity"):
                columns = sql.columns("salesforce", table)
                kept = [name for name in columns if not name.startswith("_")]
                relation = sql.relation("salesforce", table)
                rows = sql.rows(f"select {', '.join(kept)} from {relation} order by id")
                landed[transport, table] = (columns, rows)
    for table in ("account", "opportunity"):
        assert landed["bulk", table][0] == landed["rest", table][0], table
        assert len(landed["bulk", table][1]) > 7, f"{table} fits one page"
        assert landed["bulk", table][1] == landed["rest", table][1], table
