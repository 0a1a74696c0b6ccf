"""`PlanRegistry`: which plans exist on disk, and the only way to add or remove one.

Where plans live:

- configured roots (the shipped ``corpus/documents`` and ``corpus.extra_paths``): every document file
  directly in a root is one plan (metadata in its ``<file>.meta.yaml``, block ``plan:``), every
  sub-folder is one plan bundle (metadata in ``plan.yaml``);
- ``data_dir/plans/<id>/``: ingested bundles, each with the ``plan.yaml`` written at ingest.

Ingest is staged: files are checked (`corpus.plans.safety`), copied into
``data_dir/plans/.staging-<pid>-<n>/``, read and validated there, and committed by one ``rename`` into
place, after which ``data_dir/plans/GENERATION`` is bumped so running servers reload. One ingest at a
time holds ``.ingest.lock`` (``flock``: released by the kernel when a process dies, so a killed ingest
never blocks the next one); staging folders of dead processes are removed with a log line.

>>> registry = PlanRegistry([Path("corpus/documents")], Path(".data"))  # doctest: +SKIP
>>> [p.id for p in registry.scan()]  # doctest: +SKIP
['wenzhou-digital-economy-14fyp']
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from corpus.loaders import SIDECAR_SUFFIX, YAML_LOADER, LoaderError, discover, load_document, read_sidecar, sidecar_path
from corpus.plans.meta import (
    detect_period,
    detect_region,
    plan_slug,
    plan_title,
    region_mentions,
    short_title,
    valid_plan_id,
)
from corpus.plans.model import PlanInfo
from corpus.plans.safety import screen

log = logging.getLogger(__name__)

PLAN_FILE = "plan.yaml"
GENERATION_FILE = "GENERATION"
_TABLE_SUFFIXES = (".xlsx", ".xls", ".csv")
_META_KEYS = {"id", "title", "short_title", "region", "level", "period", "issuer", "date", "mentions", "default",
              "aliases", "catalogue", "drop_words"}


class PlanError(ValueError):
    """A plan cannot be added, found or removed (message in Chinese and English)."""


@dataclass
class IngestReport:
    """What one ingest did: plans added, inputs skipped (with reasons), problems found in tables."""

    added: list[PlanInfo] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    problems: dict[str, list[str]] = field(default_factory=dict)
    seconds: float = 0.0


def _digest(paths: Sequence[Path]) -> str:
    h = hashlib.sha256()
    for path in sorted(paths, key=lambda p: p.name):
        h.update(path.name.encode() + b"\x00" + hashlib.sha256(path.read_bytes()).digest())
        side = sidecar_path(path)
        if side.is_file():
            h.update(b"meta" + hashlib.sha256(side.read_bytes()).digest())
    return h.hexdigest()[:32]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _period(value: Any) -> tuple[int, int] | None:
    if isinstance(value, list | tuple) and len(value) == 2:
        return int(value[0]), int(value[1])
    if isinstance(value, str) and "-" in value.replace("–", "-"):
        start, end = value.replace("–", "-").split("-", 1)
        return int(start), int(end)
    return None


def _read_plan_meta(path: Path) -> dict[str, Any]:
    try:
        # libyaml's loader when installed: a scan reads every plan's metadata (≈ 10× faster at 200 plans).
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise PlanError(f"规划元数据无法读取 / cannot read plan metadata {path.name}: {exc}") from exc
    if not isinstance(data, dict):
        raise PlanError(f"规划元数据应为映射 / {path.name} must be a YAML mapping")
    return {k: v for k, v in data.items() if k in _META_KEYS}


class PlanRegistry:
    """Finds plans (see the module docstring); `ingest` and `remove` are the only writers."""

    def __init__(self, roots: Sequence[Path], data_dir: Path, max_file_mb: float = 20.0) -> None:
        self.roots = [Path(r) for r in roots]
        self.data_dir = Path(data_dir)
        self.max_bytes = int(max_file_mb * 2**20)

    @property
    def plans_dir(self) -> Path:
        return self.data_dir / "plans"

    # -- reading --------------------------------------------------------------------------------

    def generation(self) -> int:
        """A number bumped by every ingest and removal (0 before the first); cheap to poll."""
        try:
            return int((self.plans_dir / GENERATION_FILE).read_text().strip() or 0)
        except (OSError, ValueError):
            return 0

    def folders(self) -> tuple[str, ...]:
        """Names of the committed plan folders (cheap: one directory listing)."""
        try:
            return tuple(sorted(n for n in os.listdir(self.plans_dir) if not n.startswith(".") and n != GENERATION_FILE
                                and (self.plans_dir / n).is_dir()))
        except OSError:
            return ()

    def scan(self) -> list[PlanInfo]:
        """Every plan on disk: shipped/configured ones first, then ingested ones by id.

        Raises:
            PlanError: two plans claim the same id.
        """
        plans: list[PlanInfo] = []
        for root in self.roots:
            if root.is_file():
                plans.append(self._describe([root], root.parent, shipped=True))
            elif root.is_dir():
                for child in sorted(root.iterdir()):
                    if child.is_dir() and not child.name.startswith("."):
                        files = discover([child])
                        if files:
                            plans.append(self._describe(files, child, shipped=True, bundle=True))
                    elif child.is_file() and discover([child]):
                        plans.append(self._describe([child], root, shipped=True))
        if self.plans_dir.is_dir():
            for child in sorted(self.plans_dir.iterdir()):
                if child.is_dir() and not child.name.startswith(".") and (child / PLAN_FILE).is_file():
                    plans.append(self._describe(discover([child]), child, shipped=False, bundle=True))
        seen: dict[str, PlanInfo] = {}
        for plan in plans:
            if plan.id in seen:
                raise PlanError(
                    f"规划编号重复：{plan.id} / duplicate plan id {plan.id!r} "
                    f"({seen[plan.id].root} and {plan.root})"
                )
            seen[plan.id] = plan
        return plans

    def _describe(self, files: Sequence[Path], root: Path, shipped: bool, bundle: bool = False) -> PlanInfo:
        """Metadata of one plan: the sidecar's, then what its main document says."""
        meta: dict[str, Any] = {}
        if bundle and (root / PLAN_FILE).is_file():
            meta = _read_plan_meta(root / PLAN_FILE)
        elif not bundle:
            block = read_sidecar(files[0]).get("plan")
            meta = {k: v for k, v in block.items() if k in _META_KEYS} if isinstance(block, dict) else {}
        return describe_plan(files, root, meta, shipped=shipped)

    # -- writing --------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.plans_dir.mkdir(parents=True, exist_ok=True)
        with open(self.plans_dir / ".ingest.lock", "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                self._clean_stale()
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _clean_stale(self) -> None:
        for child in self.plans_dir.iterdir():
            if child.name.startswith(".staging-") or child.name.startswith(".trash-"):
                try:
                    pid = int(child.name.split("-")[1])
                except (IndexError, ValueError):
                    pid = -1
                if pid != os.getpid() and not _pid_alive(pid):
                    log.warning("removing leftover %s of a stopped process (pid %s)", child.name, pid)
                    shutil.rmtree(child, ignore_errors=True)

    def _bump(self) -> None:
        target = self.plans_dir / GENERATION_FILE
        tmp = target.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(str(self.generation() + 1))
        os.replace(tmp, target)

    def ingest(
        self,
        paths: Sequence[Path],
        *,
        bundle: bool = False,
        meta: dict[str, Any] | None = None,
        validate: Callable[[PlanInfo], list[str]] | None = None,
        supported: Sequence[str] = (),
    ) -> IngestReport:
        """Add plans: a folder is one plan, files sharing a stem are one plan, else one plan per file.

        Args:
            bundle: all given files form one plan.
            meta: metadata overrides (id, title, region …) for a single plan.
            validate: called on the staged plan before commit; returns problems to report (a
                raised exception aborts that plan and leaves nothing behind).
            supported: accepted suffixes (default: every loader's).
        """
        from corpus.loaders import SUPPORTED_SUFFIXES

        started = time.perf_counter()
        report = IngestReport()
        groups: list[tuple[list[Path], Path]] = []
        screened_all = screen(paths, self.max_bytes, supported or SUPPORTED_SUFFIXES)
        for path, why in screened_all.refused:
            report.skipped.append((str(path), why))
        accepted = screened_all.accepted
        folders = [Path(p) for p in paths if Path(p).is_dir() and not Path(p).is_symlink()]
        for folder in folders:
            inside = [f for f in accepted if folder in f.parents]
            if inside:
                groups.append((inside, folder))
        loose = [f for f in accepted if not any(folder in f.parents for folder in folders)]
        if bundle and loose:
            groups.append((loose, loose[0].parent))
        else:
            by_stem: dict[str, list[Path]] = {}
            for f in loose:
                by_stem.setdefault(f.stem, []).append(f)
            groups += [(files, files[0].parent) for files in by_stem.values()]
        if meta and len(groups) > 1:
            raise PlanError("指定元数据时只能添加一个规划 / metadata overrides need exactly one plan")
        with self._locked():
            for files, origin in groups:
                self._ingest_one(files, origin, meta or {}, validate, report)
        report.seconds = time.perf_counter() - started
        return report

    def _ingest_one(
        self,
        files: list[Path],
        origin: Path,
        meta: dict[str, Any],
        validate: Callable[[PlanInfo], list[str]] | None,
        report: IngestReport,
    ) -> None:
        label = origin.name if len(files) > 1 else files[0].name
        existing = {p.content_hash: p for p in self.scan()}
        staging = self.plans_dir / f".staging-{os.getpid()}-{time.monotonic_ns()}"
        staging.mkdir(parents=True)
        try:
            for f in files:
                target = staging / f.name
                if target.exists():
                    target = staging / f"{f.stem}-{hashlib.sha256(str(f).encode()).hexdigest()[:6]}{f.suffix}"
                shutil.copyfile(f, target)
                side = sidecar_path(f)
                if side.is_file() and not side.is_symlink() and side.stat().st_size < 1 << 20:
                    shutil.copyfile(side, target.with_name(target.name + SIDECAR_SUFFIX))
            plan_yaml = origin / PLAN_FILE
            sidecar_meta = _read_plan_meta(plan_yaml) if plan_yaml.is_file() and not plan_yaml.is_symlink() else {}
            staged = discover([staging])
            info = describe_plan(staged, staging, {**sidecar_meta, **meta}, shipped=False)
            if info.content_hash in existing:
                report.skipped.append((label, f"已入库为规划 {existing[info.content_hash].id} / already ingested"))
                return
            taken = {p.id for p in existing.values()}
            plan_id = info.id
            n = 2
            while plan_id in taken:
                if meta.get("id"):
                    raise PlanError(f"规划编号已存在：{plan_id} / plan id {plan_id!r} exists")
                plan_id, n = f"{info.id[:60]}-{n}", n + 1
            record = {**sidecar_meta, **meta, **_recorded(info), "id": plan_id}
            (staging / PLAN_FILE).write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), "utf-8")
            info = describe_plan(staged, staging, record, shipped=False)
            problems = validate(info) if validate is not None else []
            final = self.plans_dir / plan_id
            os.rename(staging, final)
            self._bump()
            report.added.append(describe_plan(discover([final]), final, record, shipped=False))
            if problems:
                report.problems[plan_id] = problems
        except (LoaderError, PlanError) as exc:
            report.skipped.append((label, str(exc)))
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)

    def remove(self, plan_id: str) -> PlanInfo:
        """Remove an ingested plan (its folder); shipped plans are configuration, not data.

        Raises:
            PlanError: unknown id, or a shipped plan.
        """
        plans = {p.id: p for p in self.scan()}
        if plan_id not in plans:
            raise PlanError(f"没有编号为 {plan_id} 的规划 / no plan with id {plan_id!r}")
        info = plans[plan_id]
        if info.shipped:
            raise PlanError(f"随软件提供的规划不能删除：{plan_id} / shipped plans cannot be removed")
        with self._locked():
            trash = self.plans_dir / f".trash-{os.getpid()}-{plan_id}"
            os.rename(self.plans_dir / plan_id, trash)
            self._bump()
            shutil.rmtree(trash, ignore_errors=True)
        return info


def _recorded(info: PlanInfo) -> dict[str, Any]:
    """The inferred metadata written to an ingested plan's ``plan.yaml`` (so it is read, not re-guessed)."""
    return {
        "title": info.title,
        "short_title": info.short_title,
        "region": info.region,
        "level": info.level,
        "period": info.period_text.replace("–", "-") if info.period else None,
        "issuer": info.issuer,
        "date": info.date,
    }


def describe_plan(files: Sequence[Path], root: Path, meta: dict[str, Any], shipped: bool) -> PlanInfo:
    """A `PlanInfo` from the plan's files and metadata overrides; inference fills the gaps.

    The main document is the first prose file (a workbook alone is its own main document).
    """
    if not files:
        raise PlanError(f"规划没有可读文件 / no readable document in {root}")
    prose = [f for f in files if f.suffix.lower() not in _TABLE_SUFFIXES] or list(files)
    title = str(meta.get("title") or "")
    issuer, date, text = str(meta.get("issuer") or ""), str(meta.get("date") or ""), ""
    if not title or "region" not in meta or "period" not in meta:
        doc = load_document(prose[0])
        title = title or plan_title(doc.title)
        issuer, date, text = issuer or doc.issuer, date or doc.date, doc.text
    region, level = str(meta.get("region") or ""), str(meta.get("level") or "")
    if "region" not in meta:
        region, level = detect_region(title, issuer)
    period = _period(meta.get("period")) or detect_period(title, text)
    plan_id = str(meta.get("id") or plan_slug(title, region, level, period))  # type: ignore[arg-type]
    if not valid_plan_id(plan_id):
        raise PlanError(f"规划编号不合法：{plan_id} / invalid plan id (use a-z, 0-9 and '-')")
    mentions = [str(m) for m in meta.get("mentions") or []]
    short = str(meta.get("short_title") or short_title(title, region))
    enrichment = {
        key: (root / str(meta[key])).resolve() for key in ("aliases", "catalogue", "drop_words") if meta.get(key)
    }
    return PlanInfo(
        id=plan_id,
        title=title,
        region=region,
        level=level,  # type: ignore[arg-type]
        period=period,
        issuer=issuer,
        date=date,
        sources=tuple(f.name for f in files),
        content_hash=_digest(files),
        short_title=short,
        mentions=tuple(dict.fromkeys([*mentions, short, *region_mentions(region, level)])),  # type: ignore[arg-type]
        shipped=shipped,
        default=bool(meta.get("default", False)),
        root=root,
        paths=tuple(files),
        enrichment=enrichment,
    )
