"""Static files, attachments and where they are kept: the data folder or S3-compatible
object storage; how long raw email and closed tickets' files are kept."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from secondline.environment import envint
from secondline.settings.core import BASE_DIR, VAR_DIR

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
WHITENOISE_USE_FINDERS = True
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Files in S3-compatible object storage (docs/production.md#more-than-one-machine) ---------
# With STORAGE_BUCKET set, attachments go to that bucket through django-storages instead of
# MEDIA_ROOT, so every web node and worker sees the same files. STORAGE_URL is the endpoint of
# a server other than AWS (MinIO, Ceph, a cloud's S3); downloads still stream through the
# portal's and the API's views, which check access first: nothing is public in the bucket.
STORAGE_BUCKET = os.environ.get("STORAGE_BUCKET", "").strip()
if STORAGE_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": STORAGE_BUCKET,
            "endpoint_url": os.environ.get("STORAGE_URL", "").strip() or None,
            "access_key": os.environ.get("STORAGE_ACCESS_KEY", "").strip() or None,
            "secret_key": os.environ.get("STORAGE_SECRET_KEY", "").strip() or None,
            "region_name": os.environ.get("STORAGE_REGION", "").strip() or None,
            "location": os.environ.get("STORAGE_PREFIX", "").strip(),
            "default_acl": None,
            "file_overwrite": False,
        },
    }
# --- end of object storage -------------------------------------------------------------------

ATTACHMENT_MAX_BYTES = envint("ATTACHMENT_MAX_BYTES", 25 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = ATTACHMENT_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Retention (privacy/retention.py, nightly): raw emails' bytes and closed tickets' files are
# dropped this many days on; 0 keeps them for ever.
RAW_EMAIL_RETENTION_DAYS = envint("RAW_EMAIL_RETENTION_DAYS", 0)
ATTACHMENT_RETENTION_DAYS = envint("ATTACHMENT_RETENTION_DAYS", 0)
