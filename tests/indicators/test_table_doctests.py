"""The usage examples in the docstrings of the table-reading modules run and stay true."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from corpus import table_loaders
from indicators import table_header, table_values, tables


@pytest.mark.parametrize("module", [table_values, table_header, tables, table_loaders], ids=lambda m: m.__name__)
def test_docstring_examples(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
