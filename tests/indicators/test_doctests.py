"""The usage examples in the docstrings of the indicator modules run and stay true."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from indicators import audit, basis_audit, catalog, compound, engine, evaluation, frame, growth, model, numbers, table
from indicators import trajectory as trajectory_module


@pytest.mark.parametrize(
    "module",
    [model, table, catalog, engine, numbers, growth, trajectory_module, basis_audit, evaluation, frame, audit,
     compound],
    ids=lambda m: m.__name__,
)
def test_docstring_examples(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
