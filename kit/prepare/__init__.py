"""Prepare layer: text, salaries, markets, de-duplication, titles, roles, levels, company names."""
