"""Checks on files before they enter the library: no links, no devices, nothing outside the given
paths, a size limit, and content that matches its suffix (a binary renamed ``.txt`` is refused).

>>> sniff_ok(b"%PDF-1.7 ...", ".pdf"), sniff_ok(b"\\x7fELF\\x02", ".txt")
(True, False)
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAGIC: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".docx": (_ZIP,),
    ".xlsx": (_ZIP,),
    ".xls": (_OLE,),
}
_TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".csv", ".yaml"}
_SNIFF_BYTES = 64 * 1024


class UnsafeInput(ValueError):
    """A path that must not be ingested (message in Chinese and English)."""


@dataclass
class Screened:
    """Files accepted for ingest, and the refused ones with their reasons."""

    accepted: list[Path] = field(default_factory=list)
    refused: list[tuple[Path, str]] = field(default_factory=list)


def sniff_ok(head: bytes, suffix: str) -> bool:
    """True when the first bytes fit the suffix: magic numbers for binary formats, decodable text otherwise."""
    suffix = suffix.lower()
    if suffix in _MAGIC:
        return any(head.startswith(m) for m in _MAGIC[suffix])
    if suffix in _TEXT_SUFFIXES:
        if b"\x00" in head:
            return False
        for encoding in ("utf-8", "gb18030"):
            try:
                head.decode(encoding)
                return True
            except UnicodeDecodeError as exc:
                # A multi-byte character cut at the sniff boundary is not an error in the file.
                if len(head) == _SNIFF_BYTES and exc.start >= len(head) - 4:
                    return True
        return False
    return False


def _check_file(path: Path, root: Path, max_bytes: int, suffixes: Iterable[str]) -> str | None:
    """The reason ``path`` is refused, or None."""
    try:
        info = os.lstat(path)
    except OSError as exc:
        return f"无法读取 / cannot stat: {exc.strerror}"
    if stat.S_ISLNK(info.st_mode):
        return "拒绝符号链接 / symbolic links are refused"
    if not stat.S_ISREG(info.st_mode):
        return "不是普通文件 / not a regular file"
    try:
        path.resolve(strict=True).relative_to(root.resolve(strict=True))
    except (OSError, ValueError):
        return "文件不在给定路径内 / file lies outside the given path"
    if path.suffix.lower() not in set(suffixes):
        return f"不支持的文件类型 / unsupported document type '{path.suffix}'"
    if info.st_size == 0:
        return "空文件 / empty file"
    if info.st_size > max_bytes:
        return f"文件过大（{info.st_size / 2**20:.1f} MB，上限 {max_bytes / 2**20:.0f} MB） / file too large"
    with open(path, "rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if not sniff_ok(head, path.suffix):
        return "文件内容与扩展名不符 / content does not match the file type"
    return None


def screen(paths: Iterable[Path], max_bytes: int, suffixes: Iterable[str]) -> Screened:
    """Expand folders (without following links) and check every file.

    Links are refused, not followed, both as arguments and inside folders; a file must resolve inside
    the argument it was found under.
    """
    out = Screened()
    allowed = tuple(s.lower() for s in suffixes)
    for raw in paths:
        path = Path(raw)
        if path.is_symlink():
            out.refused.append((path, "拒绝符号链接 / symbolic links are refused"))
            continue
        if not path.exists():
            out.refused.append((path, "文件不存在 / no such file"))
            continue
        if path.is_dir():
            for dirpath, dirnames, filenames in os.walk(path, followlinks=False):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    child = Path(dirpath) / name
                    if name.startswith(".") or name.endswith(".meta.yaml") or name == "plan.yaml":
                        continue
                    reason = _check_file(child, path, max_bytes, allowed)
                    (out.refused.append((child, reason)) if reason else out.accepted.append(child))
            continue
        reason = _check_file(path, path.parent, max_bytes, allowed)
        (out.refused.append((path, reason)) if reason else out.accepted.append(path))
    return out
