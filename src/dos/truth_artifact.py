"""Placeholder replaced below."""
def artifact_rung(*a, **k):
    return None
