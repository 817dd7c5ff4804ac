import django.contrib.postgres.indexes
from django.contrib.postgres.operations import BtreeGinExtension
from django.db import migrations, models

from secondline.search.operations import VendorSQL


class Migration(migrations.Migration):
    """The GIN indexes hold the ticket's id beside the words (``filed``, a column the database
    writes; btree_gin indexes a bigint), so that a search for the newest matches reads only the
    matches of the ids it asks about (docs/benchmarks.md, Search). Made on PostgreSQL only, as
    0003's; the new indexes are built from the vectors already stored (no reindex needed)."""

    dependencies = [
        ("search", "0005_vectors_out_of_line"),
    ]

    operations = [
        BtreeGinExtension(),
        migrations.AddField(
            model_name="ticketvector",
            name="filed",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.F("ticket_id"),
                output_field=models.BigIntegerField(),
            ),
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                VendorSQL(
                    "postgresql",
                    [
                        "DROP INDEX IF EXISTS search_vector_gin",
                        "DROP INDEX IF EXISTS search_public_vector_gin",
                        "CREATE INDEX search_vector_filed_gin "
                        "ON search_ticketvector USING gin (vector, filed)",
                        "CREATE INDEX search_public_filed_gin "
                        "ON search_ticketvector USING gin (public_vector, filed)",
                    ],
                    [
                        "DROP INDEX search_vector_filed_gin",
                        "DROP INDEX search_public_filed_gin",
                        "CREATE INDEX search_vector_gin ON search_ticketvector USING gin (vector)",
                        "CREATE INDEX search_public_vector_gin "
                        "ON search_ticketvector USING gin (public_vector)",
                    ],
                ),
            ],
            state_operations=[
                migrations.RemoveIndex(model_name="ticketvector", name="search_vector_gin"),
                migrations.RemoveIndex(model_name="ticketvector", name="search_public_vector_gin"),
                migrations.AddIndex(
                    model_name="ticketvector",
                    index=django.contrib.postgres.indexes.GinIndex(
                        fields=["vector", "filed"], name="search_vector_filed_gin"
                    ),
                ),
                migrations.AddIndex(
                    model_name="ticketvector",
                    index=django.contrib.postgres.indexes.GinIndex(
                        fields=["public_vector", "filed"], name="search_public_filed_gin"
                    ),
                ),
            ],
        ),
    ]
