"""The usage examples in the docstrings of the indicator modules run and stay true."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from indicators import audit, catalog, compound, engine, evaluation, frame, model, table


@pytest.mark.parametrize(
    "module", [model, table, catalog, engine, evaluation, frame, audit, compound], ids=lambda m: m.__name__
)
def test_docstring_examples(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
