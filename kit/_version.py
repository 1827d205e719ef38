"""The kit version, in one place: everything that stamps outputs imports it from here."""

__version__ = "0.1.0"
