"""Read layer: open source files, the format registry, canonical Parquet, the posting store."""
