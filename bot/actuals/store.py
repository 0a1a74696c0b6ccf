"""The actuals store: yearly actual figures per plan and indicator, with every revision kept.

A store follows :class:`ActualsStore`; :class:`SqlActualsStore` implements it with SQLAlchemy for an
embedded SQLite file (the default, ``data_dir/actuals.db``) or a PostgreSQL server
(``POLICYBOT_DATABASE_URL=postgresql+psycopg://user:pw@host/db``). The schema is created and
upgraded by the Alembic migrations shipped in ``bot/actuals/migrations`` when the store opens.

Revisions never overwrite: every import appends rows; :meth:`ActualsStore.latest` returns the newest
value per (plan, indicator, year) and :meth:`ActualsStore.history` all of them, oldest first.

>>> store = open_store("sqlite://")
>>> batch = store.add([ActualIn("p", "5G基站数量", 2023, 21000.0, "个", "市统计局")], source_file="a.csv")
>>> [(a.indicator, a.year, a.value, a.batch) for a in store.latest("p")]
[('5G基站数量', 2023, 21000.0, 1)]
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

metadata = sa.MetaData()
batches_table = sa.Table(
    "import_batches",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source_file", sa.String(500), nullable=False),
    sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("row_count", sa.Integer, nullable=False),
)
values_table = sa.Table(
    "actual_values",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("import_batches.id"), nullable=False),
    sa.Column("plan_id", sa.String(200), nullable=False),
    sa.Column("indicator", sa.String(200), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("value", sa.Double, nullable=False),
    sa.Column("unit", sa.String(50), nullable=False),
    sa.Column("source", sa.String(200), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class ActualIn:
    """A figure to store (value already in the indicator's unit)."""

    plan_id: str
    indicator: str
    year: int
    value: float
    unit: str = ""
    source: str = ""
    note: str = ""


@dataclass(frozen=True)
class Actual:
    """A stored figure: what was imported, when and in which batch."""

    id: int
    plan_id: str
    indicator: str
    year: int
    value: float
    unit: str
    source: str
    note: str
    imported_at: datetime
    batch: int

    def to_dict(self) -> dict[str, object]:
        """JSON-able dict (``imported_at`` in ISO 8601, UTC)."""
        return {
            "id": self.id,
            "plan": self.plan_id,
            "indicator": self.indicator,
            "year": self.year,
            "value": self.value,
            "unit": self.unit,
            "source": self.source,
            "note": self.note,
            "imported_at": self.imported_at.isoformat(),
            "batch": self.batch,
        }


@dataclass(frozen=True)
class ImportBatch:
    """One import: its id, file name, time and number of rows."""

    id: int
    source_file: str
    imported_at: datetime
    row_count: int


class ActualsStore(Protocol):
    def add(
        self, rows: Sequence[ActualIn], source_file: str = "", before_commit: Callable[[], None] | None = None
    ) -> ImportBatch: ...

    def latest(self, plan_id: str, indicator: str | None = None, year: int | None = None) -> list[Actual]: ...

    def history(self, plan_id: str, indicator: str, year: int | None = None) -> list[Actual]: ...

    def batches(self) -> list[ImportBatch]: ...

    def count(self) -> int: ...

    def close(self) -> None: ...


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _actual(row: sa.Row) -> Actual:  # type: ignore[type-arg]
    m = row._mapping
    return Actual(
        id=m["id"], plan_id=m["plan_id"], indicator=m["indicator"], year=m["year"], value=float(m["value"]),
        unit=m["unit"], source=m["source"], note=m["note"], imported_at=_utc(m["imported_at"]), batch=m["batch_id"],
    )  # fmt: skip


def migrate(engine: sa.Engine) -> None:
    """Bring the schema to the newest Alembic revision (idempotent)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


class SqlActualsStore:
    """:class:`ActualsStore` on SQLAlchemy (SQLite file or PostgreSQL server).

    >>> SqlActualsStore(sa.create_engine("sqlite://")).count()
    0
    """

    def __init__(self, engine: sa.Engine, clock: Callable[[], datetime] | None = None) -> None:
        self._engine = engine
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()  # one writer at a time within a process (SQLite has one anyway)
        migrate(engine)

    @property
    def url(self) -> str:
        """The database URL without its password."""
        return self._engine.url.render_as_string(hide_password=True)

    def add(
        self, rows: Sequence[ActualIn], source_file: str = "", before_commit: Callable[[], None] | None = None
    ) -> ImportBatch:
        """Append ``rows`` as one batch, in one transaction (all rows or none).

        ``before_commit`` runs inside the transaction after the rows are written (progress reporting;
        tests use it to kill an import half-way).

        Raises:
            ValueError: no rows.
        """
        if not rows:
            raise ValueError("没有可导入的数据行 / rows must not be empty")
        now = self._clock()
        with self._lock, self._engine.begin() as conn:
            batch_id = conn.execute(
                batches_table.insert().values(source_file=source_file[:500], imported_at=now, row_count=len(rows))
            ).inserted_primary_key[0]  # type: ignore[index]
            conn.execute(
                values_table.insert(),
                [
                    {
                        "batch_id": batch_id,
                        "plan_id": r.plan_id,
                        "indicator": r.indicator,
                        "year": r.year,
                        "value": float(r.value),
                        "unit": r.unit,
                        "source": r.source,
                        "note": r.note,
                        "imported_at": now,
                    }
                    for r in rows
                ],
            )
            if before_commit is not None:
                before_commit()
        return ImportBatch(int(batch_id), source_file, _utc(now), len(rows))

    def latest(self, plan_id: str, indicator: str | None = None, year: int | None = None) -> list[Actual]:
        """The newest value per indicator and year, ordered by indicator then year."""
        v = values_table
        newest = sa.select(sa.func.max(v.c.id)).where(v.c.plan_id == plan_id)
        if indicator is not None:
            newest = newest.where(v.c.indicator == indicator)
        if year is not None:
            newest = newest.where(v.c.year == year)
        newest = newest.group_by(v.c.indicator, v.c.year)
        query = sa.select(v).where(v.c.id.in_(newest)).order_by(v.c.indicator, v.c.year)
        with self._engine.connect() as conn:
            return [_actual(r) for r in conn.execute(query)]

    def history(self, plan_id: str, indicator: str, year: int | None = None) -> list[Actual]:
        """Every stored value of one indicator (all revisions), by year then import order."""
        v = values_table
        query = sa.select(v).where(v.c.plan_id == plan_id, v.c.indicator == indicator)
        if year is not None:
            query = query.where(v.c.year == year)
        with self._engine.connect() as conn:
            return [_actual(r) for r in conn.execute(query.order_by(v.c.year, v.c.id))]

    def batches(self) -> list[ImportBatch]:
        """All import batches, oldest first."""
        b = batches_table
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(b).order_by(b.c.id)).all()
        return [ImportBatch(r.id, r.source_file, _utc(r.imported_at), r.row_count) for r in rows]

    def count(self) -> int:
        """Number of stored values (all revisions)."""
        with self._engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(values_table)).scalar_one())

    def close(self) -> None:
        """Release the connection pool."""
        self._engine.dispose()


def sqlite_url(path: Path) -> str:
    """``sqlite:///`` URL of a file.

    >>> sqlite_url(Path("/tmp/a.db"))
    'sqlite:////tmp/a.db'
    """
    return f"sqlite:///{path}"


def open_store(url: str, clock: Callable[[], datetime] | None = None) -> SqlActualsStore:
    """Open (and migrate) the store at ``url``; a SQLite file's folder is created.

    Raises:
        RuntimeError: the database cannot be reached or the driver is missing (the message says which).
    """
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)  # type: ignore[arg-type]
    kwargs: dict[str, object] = {}
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        kwargs["poolclass"] = sa.pool.StaticPool  # one shared in-memory database
        kwargs["connect_args"] = {"check_same_thread": False}
    try:
        engine = sa.create_engine(parsed, **kwargs)  # type: ignore[arg-type]
        return SqlActualsStore(engine, clock=clock)
    except (sa.exc.SQLAlchemyError, ModuleNotFoundError) as exc:
        where = parsed.render_as_string(hide_password=True)
        raise RuntimeError(f"无法打开实际值数据库 {where} / cannot open the actuals database {where}: {exc}") from exc
