"""The portal's pages: thin views over ``tickets.services`` (writes) and ``accounts.access``
(reads)."""
