from django.db import migrations, models


class Migration(migrations.Migration):
    """``filed``: the ticket's id again, written by the database, with no index of its own, so
    that a search's slices of ids (queries._newest_matches) are read from the GIN index's
    matches; on the primary key, PostgreSQL's planner walks the ids instead and reads each
    row's vector from TOAST, 25-50 times slower (docs/benchmarks.md, Search). Adding it
    rewrites the table (about 1-2 minutes at 200,000 tickets); no reindex is needed."""

    dependencies = [
        ("search", "0005_vectors_out_of_line"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticketvector",
            name="filed",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.F("ticket_id"),
                output_field=models.BigIntegerField(),
            ),
        ),
    ]
