"""The seeded generator of the bundled sample and benchmark corpora."""
