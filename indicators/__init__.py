"""Deterministic indicator engine for the plan's target table.

>>> from indicators.catalog import load_default_table
>>> from indicators.engine import required_cagr
>>> required_cagr(load_default_table().get("5G基站数量")).value
27.02
"""
