"""Actuals stores: one contract for the embedded SQLite file and a real PostgreSQL server on loopback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from shipped import SHIPPED_PLAN_ID, plan_tables

from bot.actuals.monitor import Monitor
from bot.actuals.store import ActualIn, ActualsStore, open_store, sqlite_url

PLAN = "demo-plan"
ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "corpus" / "actuals" / "sample-actuals-wide.csv"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


StoreFactory = Callable[[], ActualsStore]


def row(indicator: str, year: int, value: float, source: str = "市统计局", plan: str = PLAN) -> ActualIn:
    return ActualIn(plan, indicator, year, value, "个", source, "")


class ActualsStoreContract:
    """Every ActualsStore backend passes these; subclasses provide `url`."""

    @pytest.fixture
    def url(self) -> str:
        raise NotImplementedError

    @pytest.fixture
    def make(self, url: str) -> StoreFactory:
        return lambda: open_store(url, clock=Clock())

    def test_round_trip(self, make: StoreFactory) -> None:
        store = make()
        assert store.count() == 0 and store.latest(PLAN) == []
        batch = store.add(
            [row("5G基站数量", 2023, 21000), row("IPv6活跃用户数", 2023, 1072.8, "省通信管理局")], "a.csv"
        )
        assert (batch.id, batch.row_count, batch.source_file) == (1, 2, "a.csv")
        got = store.latest(PLAN)
        assert [(a.indicator, a.year, a.value, a.unit, a.source, a.batch) for a in got] == [
            ("5G基站数量", 2023, 21000.0, "个", "市统计局", 1),  # ordered by indicator name (code points)
            ("IPv6活跃用户数", 2023, 1072.8, "个", "省通信管理局", 1),
        ]
        assert {a.imported_at for a in got} == {datetime(2026, 3, 1, 9, 1, tzinfo=UTC)}
        assert store.count() == 2

    def test_a_revision_keeps_history(self, make: StoreFactory) -> None:
        store = make()
        store.add([row("5G基站数量", 2023, 21000, "快报")], "first.csv")
        store.add([row("5G基站数量", 2023, 21500, "年鉴"), row("5G基站数量", 2024, 25000)], "second.csv")
        latest = store.latest(PLAN, "5G基站数量")
        assert [(a.year, a.value, a.source, a.batch) for a in latest] == [
            (2023, 21500.0, "年鉴", 2),
            (2024, 25000.0, "市统计局", 2),
        ]
        history = store.history(PLAN, "5G基站数量", 2023)
        assert [(a.value, a.source, a.batch) for a in history] == [(21000.0, "快报", 1), (21500.0, "年鉴", 2)]
        assert history[0].imported_at < history[1].imported_at
        assert [b.source_file for b in store.batches()] == ["first.csv", "second.csv"]
        assert store.count() == 3

    def test_filters_and_plans_are_separate(self, make: StoreFactory) -> None:
        store = make()
        store.add([row("A", 2022, 1), row("A", 2023, 2), row("B", 2023, 3), row("A", 2023, 9, plan="other")])
        assert [(a.indicator, a.year) for a in store.latest(PLAN, year=2023)] == [("A", 2023), ("B", 2023)]
        assert [a.value for a in store.latest(PLAN, "A")] == [1.0, 2.0]
        assert [a.value for a in store.latest("other")] == [9.0]
        assert store.latest("nobody") == [] and store.history(PLAN, "C") == []

    def test_empty_import_is_rejected(self, make: StoreFactory) -> None:
        with pytest.raises(ValueError, match="rows must not be empty"):
            make().add([])

    def test_a_failure_inside_the_transaction_stores_nothing(self, make: StoreFactory) -> None:
        store = make()
        store.add([row("A", 2022, 1)])

        def boom() -> None:
            raise OSError("disk gone")

        with pytest.raises(OSError, match="disk gone"):
            store.add([row("A", 2023, 2), row("B", 2023, 3)], before_commit=boom)
        assert store.count() == 1 and len(store.batches()) == 1

    def test_reopening_keeps_data_and_migrations_are_idempotent(self, make: StoreFactory) -> None:
        make().add([row("软件和信息服务业营业收入", 2025, 101.25)])
        again = make()
        assert [(a.indicator, a.value) for a in again.latest(PLAN)] == [("软件和信息服务业营业收入", 101.25)]

    def test_killed_import_leaves_the_store_unchanged(self, make: StoreFactory, url: str) -> None:
        """SIGKILL a process while its import transaction is open: the store is as before, and usable."""
        store = make()
        store.add([row("A", 2022, 1)])
        script = (
            "import sys, time\n"
            "from pathlib import Path\n"
            "from bot.actuals.monitor import Monitor\n"
            "from bot.actuals.store import open_store\n"
            "from shipped import plan_tables\n"
            "def inside():\n"
            "    print('INSIDE', flush=True)\n"
            "    time.sleep(60)\n"
            "monitor = Monitor(open_store(sys.argv[1]), plan_tables, sys.argv[2])\n"
            "monitor.import_file(Path(sys.argv[3]).read_bytes(), 'sample.csv', before_commit=inside)\n"
        )
        env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'tests'}"}
        args = [sys.executable, "-c", script, url, SHIPPED_PLAN_ID, str(SAMPLE)]
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, env=env, text=True)
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "INSIDE"
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        after = make()
        assert after.count() == 1 and len(after.batches()) == 1
        assert after.latest(SHIPPED_PLAN_ID) == []
        after.add([row("B", 2023, 2)])  # no lock left behind
        assert after.count() == 2


class TestSqliteActualsStore(ActualsStoreContract):
    @pytest.fixture
    def url(self, tmp_path: Path) -> str:
        return sqlite_url(tmp_path / "nested" / "actuals.db")

    def test_default_file_is_created_with_its_folder(self, url: str, tmp_path: Path) -> None:
        open_store(url)
        assert (tmp_path / "nested" / "actuals.db").exists()


class TestPostgresActualsStore(ActualsStoreContract):
    @pytest.fixture
    def url(self, postgres_url: str) -> str:
        engine = sa.create_engine(postgres_url)
        with engine.begin() as conn:  # every test starts from an empty database
            conn.execute(sa.text("DROP TABLE IF EXISTS actual_values, import_batches, alembic_version"))
        engine.dispose()
        return postgres_url


def test_unreachable_server_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="cannot open the actuals database") as info:
        open_store("postgresql+psycopg://u:secret@127.0.0.1:1/none")
    assert "secret" not in str(info.value) and "u:***@127.0.0.1:1" in str(info.value)


def test_sqlite_and_postgres_evaluate_identically(tmp_path: Path, postgres_url: str) -> None:
    """The sample file imported into both backends gives the same evaluation, value for value."""
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS actual_values, import_batches, alembic_version"))
    engine.dispose()
    results = []
    for url in (sqlite_url(tmp_path / "a.db"), postgres_url):
        monitor = Monitor(open_store(url), plan_tables, SHIPPED_PLAN_ID)
        assert monitor.import_file(SAMPLE.read_bytes(), "sample.csv").status == "imported"
        revised = "指标,单位,2025年\n5G基站数量,个,29999\n".encode()
        assert monitor.import_file(revised, "revised.csv").status == "imported"
        results.append([monitor.evaluation(None, y).to_dict() for y in (2021, 2023, 2025)])
    assert results[0] == results[1]
    five_g = next(r for r in results[1][2]["rows"] if r["indicator"] == "5G基站数量")
    assert (five_g["actual"], five_g["status"]) == (29999.0, "未完成")


def test_database_url_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from bot.settings import Settings

    assert Settings(_env_file=None, data_dir=tmp_path).database_url == f"sqlite:///{tmp_path / 'actuals.db'}"  # type: ignore[call-arg]
    monkeypatch.setenv("POLICYBOT_DATABASE_URL", "postgresql+psycopg://u@db:5432/pb")
    assert Settings(_env_file=None).database_url == "postgresql+psycopg://u@db:5432/pb"  # type: ignore[call-arg]
