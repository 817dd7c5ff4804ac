"""Carry the REST framework's authtoken keys over to ApiToken.

Every existing key keeps working until API_TOKEN_TTL_DAYS from this migration, so scripts have
time to switch to issued tokens; only its digest is kept. The old table (the authtoken app is no
longer installed) is emptied, so no usable key stays in the database. Reversing keeps the new
tokens: their keys cannot be recovered from the digests.
"""

import datetime as dt
import hashlib

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def carry_over(apps, schema_editor):
    connection = schema_editor.connection
    if "authtoken_token" not in connection.introspection.table_names():
        return  # a database created after the authtoken app was removed
    ApiToken = apps.get_model("accounts", "ApiToken")
    now = timezone.now()
    expires_at = now + dt.timedelta(days=settings.API_TOKEN_TTL_DAYS)
    with connection.cursor() as cursor:
        key_column = connection.ops.quote_name("key")
        cursor.execute(f"SELECT {key_column}, user_id FROM authtoken_token")
        rows = cursor.fetchall()
        ApiToken.objects.bulk_create(
            ApiToken(
                user_id=user_id,
                digest=hashlib.sha256(key.encode()).hexdigest(),
                prefix=key[:8],
                created_at=now,
                expires_at=expires_at,
            )
            for key, user_id in rows
        )
        cursor.execute("DELETE FROM authtoken_token")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_api_token")]

    operations = [migrations.RunPython(carry_over, migrations.RunPython.noop)]
