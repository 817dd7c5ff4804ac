from django.db import migrations

from secondline.search.operations import VendorSQL


class Migration(migrations.Migration):
    """The vectors of a row written from now on are kept out of line (TOAST) from about 128
    bytes, not 2 kB: the table's own pages then hold only the ticket ids, and a search reads
    a common word's matches found by the GIN index from some 2,000 pages at 200,000 tickets
    instead of 20,000 (docs/benchmarks.md, Search). Rows written before keep their layout
    until their document is rebuilt (``secondline search reindex``)."""

    dependencies = [
        ("search", "0004_gin_indexes_declared"),
    ]

    operations = [
        VendorSQL(
            "postgresql",
            "ALTER TABLE search_ticketvector SET (toast_tuple_target = 128)",
            "ALTER TABLE search_ticketvector RESET (toast_tuple_target)",
        ),
    ]
