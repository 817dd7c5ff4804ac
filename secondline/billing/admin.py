"""The billing back office."""

# Price lists and the statements' paper trail (billing-close); keep this import when merging.
from secondline.billing import admin_closing  # noqa: F401
