"""Preparing postings: text sections, titles, roles (the flat modules move here over time)."""
