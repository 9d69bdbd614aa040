"""The event log and its live views, one module per engine."""
