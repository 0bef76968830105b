"""Shared fixtures: a fresh ledger database per test, on SQLite and (when reachable)
PostgreSQL, plus small helpers that write through the public import functions."""

from __future__ import annotations

import csv
import hashlib
import os
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from ppskit.framework import load_framework
from ppskit.policies import load_policy
from ppskit.records import EXAM_COLUMNS, HOURS_COLUMNS, TRAINEE_COLUMNS

PG_ENV = "PPSKIT_TEST_PG_URL"


@pytest.fixture(autouse=True)
def _private_home(tmp_path_factory, monkeypatch):
    """Every test gets its own ppskit home folder (remembered sign-in, active time): a
    sign-in in one test must never carry into another, or into the real home folder."""
    monkeypatch.setenv("PPSKIT_HOME", str(tmp_path_factory.mktemp("ppskit-home")))


def register_trainee(
    db: str, trainee_id: str, *, name: str = "Test Parent", profile: str = ""
) -> None:
    """Register one trainee (who meets the usual eligibility facts) in the ledger at
    ``db``, the way the registry import does."""
    from ppskit.imports import write_trainees

    row = {
        "trainee_id": trainee_id,
        "name": name,
        "birth_date": "1980-05-01",
        "lived_experience": "yes",
        "education": "high-school",
        "id_verified": "yes",
        "employed_2022_01_01": "no",
        "profile": profile,
    }
    write_trainees([(2, row)], by="test", source="test", db=db)


def _pg_admin_url() -> str | None:
    url = os.environ.get(PG_ENV)
    if not url:
        return None
    try:
        from sqlalchemy import create_engine, text

        eng = create_engine(url, isolation_level="AUTOCOMMIT")
        with eng.connect() as conn:
            conn.execute(text("SELECT 1"))
        eng.dispose()
        return url
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return None


_PG = _pg_admin_url()


PG_OWNER, PG_APP = "ppskit_owner", "ppskit_app"


@pytest.fixture
def pg_roles() -> Iterator[dict[str, str]]:
    """A fresh PostgreSQL database owned by ``ppskit_owner``, migrated by it, with
    ``ppskit_app`` granted SELECT/INSERT only: URLs keyed ``admin``, ``owner``, ``app``."""
    if _PG is None:
        pytest.skip(f"no PostgreSQL server reachable (set {PG_ENV})")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from ppskit.db import get_engine
    from ppskit.ledger.roles import grant_app_role

    name = f"ppskit_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for role in (PG_OWNER, PG_APP):  # .ci/start-postgres.sh creates them too
            if not conn.execute(
                text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}
            ).scalar():
                conn.execute(text(f"CREATE ROLE {role} LOGIN"))
        conn.execute(text(f'CREATE DATABASE "{name}" OWNER {PG_OWNER}'))
    base = make_url(_PG).set(database=name)
    urls = {
        "admin": base.render_as_string(hide_password=False),
        "owner": base.set(username=PG_OWNER, password=None).render_as_string(hide_password=False),
        "app": base.set(username=PG_APP, password=None).render_as_string(hide_password=False),
    }
    grant_app_role(get_engine(urls["owner"]), PG_APP)
    yield urls
    for url in urls.values():
        get_engine(url).dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request, tmp_path: Path) -> Iterator[str]:
    """A database URL with the migrated, empty ledger schema. On PostgreSQL the code
    under test connects as the app role (SELECT/INSERT only), as in production."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    yield request.getfixturevalue("pg_roles")["app"]


@pytest.fixture
def sqlite_db(tmp_path: Path) -> str:
    """A SQLite-only database URL (for byte-level and multi-process checks)."""
    return f"sqlite:///{tmp_path / 'ledger.db'}"


def sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def file_digest(path: Path) -> str:
    """SHA-256 of a file and of its WAL sidecar, if any."""
    h = hashlib.sha256(path.read_bytes())
    wal = Path(f"{path}-wal")
    if wal.exists():
        h.update(wal.read_bytes())
    return h.hexdigest()


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


TRAINEE_HEADER = TRAINEE_COLUMNS
HOURS_HEADER = HOURS_COLUMNS
EXAM_HEADER = EXAM_COLUMNS
DOMAINS = load_framework().domain_ids
#: The default profile's exam sections (ca-ppss: four sections of three domains).
SECTIONS = load_policy("ca-ppss").sections


def spread(
    tid: str,
    start: str,
    hours_by_domain: dict[str, float],
    *,
    verified: str = "yes",
    source: str = "session",
) -> list[list]:
    """Core-hour rows, one training day per domain on consecutive days from ``start``."""
    from datetime import timedelta

    day0 = date.fromisoformat(start)
    return [
        [tid, (day0 + timedelta(days=i)).isoformat(), h, "core", d, source, verified, ""]
        for i, (d, h) in enumerate(hours_by_domain.items())
    ]


class Ledger:
    """Write scenario data through the same functions the CLI uses."""

    def __init__(self, url: str, tmp: Path):
        self.url, self.tmp = url, tmp

    def _file(self, header, rows) -> Path:  # noqa: ANN001
        return write_csv(self.tmp / f"{uuid.uuid4().hex}.csv", header, rows)

    def trainee(
        self,
        tid: str = "T1",
        *,
        birth: str = "1980-01-01",
        lived: str = "yes",
        education: str = "high-school",
        id_ok: str = "yes",
        employed: str = "",
        today: date | None = None,
    ) -> None:
        from ppskit.imports import import_trainees

        import_trainees(
            self._file(
                TRAINEE_HEADER, [[tid, f"Name {tid}", birth, lived, education, id_ok, employed, ""]]
            ),
            by="test",
            db=self.url,
            today=today,
        )

    def hours(self, rows: list[list], today: date | None = None):  # noqa: ANN201
        from ppskit.imports import import_hours

        return import_hours(self._file(HOURS_HEADER, rows), by="test", db=self.url, today=today)

    def full_training(
        self, tid: str, day: str, per_domain: float = 4.0, verified: str = "yes"
    ) -> None:
        self.hours(spread(tid, day, {d: per_domain for d in DOMAINS}, verified=verified))

    def sitting(
        self,
        tid: str,
        day: str,
        form: str = "A",
        scores: dict | None = None,
        default: float = 85.0,
        only: list[str] | None = None,
    ) -> None:
        from ppskit.imports import import_exam_results

        scores = scores or {}
        sections = only if only is not None else SECTIONS
        rows = [[tid, day, form, s, scores.get(s, default)] for s in sections]
        import_exam_results(self._file(EXAM_HEADER, rows), by="test", db=self.url)

    def status(self, as_of: str, tid: str = "T1") -> dict:
        from ppskit.status import compute_status

        df = compute_status(as_of=date.fromisoformat(as_of), trainee=tid, db=self.url)
        assert len(df) == 1
        return df.iloc[0].to_dict()


@pytest.fixture
def ledger(db: str, tmp_path: Path) -> Ledger:
    return Ledger(db, tmp_path)


@pytest.fixture
def sqlite_ledger(sqlite_db: str, tmp_path: Path) -> Ledger:
    return Ledger(sqlite_db, tmp_path)
