"""The dashboard (``dos serve``, the ``web`` extra): Starlette pages and a JSON API over the
service layer, live through server-sent events that follow the store's log. Read-only
unless started with ``--allow-ops`` and a token."""
