"""Cheap checks on a JSON body before `json.loads` sees it: size and nesting depth.

`json.loads` recurses once per nesting level, so a body of 50,000 ``[`` raises `RecursionError` (an
uncaught 500) instead of a parse error. `json_depth` counts brackets outside strings with two regular
expressions (linear time, no recursion), so the body can be refused before parsing.

>>> json_depth(b'{"a": [1, {"b": "[[[["}]}')
3
>>> json_depth(b"[" * 50_000)
50000
"""

from __future__ import annotations

import re

# A JSON string: quote, then any run of non-quote/non-backslash characters or escape pairs, then quote.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays/objects in `body` (strings ignored; malformed input still counted)."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', body)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(0, depth - 1)
    return deepest


def json_limit_error(body: bytes, max_bytes: int, max_depth: int) -> tuple[str, str] | None:
    """``(code, bilingual message)`` when `body` is over a limit, else None.

    >>> json_limit_error(b"[[[1]]]", max_bytes=100, max_depth=2)[0]
    'json_too_deep'
    >>> json_limit_error(b"[1]", max_bytes=100, max_depth=2) is None
    True
    """
    if len(body) > max_bytes:
        return (
            "body_too_large",
            f"请求体超过{max_bytes}字节 / Request body larger than {max_bytes} bytes",
        )
    if json_depth(body) > max_depth:
        return (
            "json_too_deep",
            f"JSON 嵌套超过{max_depth}层 / JSON nested deeper than {max_depth} levels",
        )
    return None
