"""The usage examples in the docstrings of the hardening modules run and stay true."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from api import http_protocol, json_limits
from api.dingtalk import queues, replay, sender, shared
from bot import sessions, validation


@pytest.mark.parametrize(
    "module",
    [json_limits, http_protocol, queues, replay, sender, shared, sessions, validation],
    ids=lambda m: m.__name__,
)
def test_docstring_examples(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
