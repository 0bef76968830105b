"""Commands that only read never create a ledger: pointed at one that does not exist,
they say so plainly (exit code 1) and leave no file or folder behind."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ppskit.cli import app

runner = CliRunner()

READ_ONLY = [
    ["status"],
    ["status", "--format", "csv"],
    ["report", "trainee", "T1"],
    ["report", "cohort", "--csv", "--excel"],
    ["report", "renewals", "--within", "90"],
    ["certificate", "T1"],
    ["verify", "PPSS-7KQ2-M9XD"],
    ["dashboard", "--port", "0"],
]


def _message(path: Path) -> str:
    return (
        f"No ledger found at {path}. Register trainees first with "
        "'ppskit trainees import FILE', or pass --db URL."
    )


@pytest.mark.parametrize("args", READ_ONLY, ids=lambda a: " ".join(a[:2]))
def test_read_only_command_on_a_missing_ledger(args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    missing = tmp_path / "nothing" / "ledger.db"
    r = runner.invoke(app, [*args, "--db", f"sqlite:///{missing}"])
    assert r.exit_code == 1, r.output
    assert _message(missing) in " ".join(r.output.split())
    assert "Traceback" not in r.output
    assert not missing.exists()
    assert not missing.parent.exists()
    assert list(tmp_path.iterdir()) == []  # no reports folder either


def test_default_ledger_is_not_created_by_status(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PPSKIT_DB", raising=False)
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    r = runner.invoke(app, ["status"])
    assert r.exit_code == 1
    assert _message(tmp_path / "gradebook" / "ppskit.db") in " ".join(r.output.split())
    assert not (tmp_path / "gradebook").exists()


def test_read_api_refuses_a_missing_ledger_and_writes_create_it(tmp_path):
    from ppskit.db import LedgerNotFound, ensure_ledger, read_connection, resolve_url
    from ppskit.ledger.api import trainees_frame
    from ppskit.status import compute_status

    url = f"sqlite:///{tmp_path / 'new' / 'ledger.db'}"
    assert resolve_url(url) == url and not (tmp_path / "new").exists()
    for read in (
        lambda: trainees_frame(db=url),
        lambda: compute_status(db=url),
        lambda: read_connection(url).__enter__(),
    ):
        with pytest.raises(LedgerNotFound) as err:
            read()
        assert isinstance(err.value, FileNotFoundError)
        assert err.value.path == tmp_path / "new" / "ledger.db"
    assert not (tmp_path / "new").exists()
    # The write path (and ensure_ledger, for callers that read first) creates it.
    ensure_ledger(url)
    assert (tmp_path / "new" / "ledger.db").is_file()
    assert trainees_frame(db=url).empty


def test_an_existing_empty_ledger_still_reads(tmp_path):
    from ppskit.db import ensure_ledger

    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    ensure_ledger(url)
    r = runner.invoke(app, ["status", "--db", url])
    assert r.exit_code == 0, r.output
    assert "No trainees yet" in r.output
