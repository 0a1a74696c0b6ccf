"""Shared fixtures: the shipped table (parsed once per session)."""

from __future__ import annotations

import pytest

from indicators.catalog import IndicatorTable, load_default_table


@pytest.fixture(scope="session")
def table() -> IndicatorTable:
    return load_default_table()
