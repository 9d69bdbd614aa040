"""Read-only screens over the store."""
