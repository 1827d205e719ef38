"""Base layer: errors, anchored paths, the canonical schema, file and data-file helpers."""
