"""Analysis layer: selection, statistics and every analysis; tidy DataFrames in, tidy DataFrames out."""
