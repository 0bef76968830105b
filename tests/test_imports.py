"""Imports are all-or-nothing with a row-by-row report; bad input changes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import EXAM_HEADER, HOURS_HEADER, TRAINEE_HEADER, file_digest, sqlite_path, write_csv

from ppskit.imports import ImportRejected, import_exam_results, import_hours, import_trainees

GOOD_TRAINEE = ["T1", "Ana Cruz", "1985-02-03", "yes", "ged", "TRUE", "", ""]
GOOD_HOURS = ["T1", "2025-01-10", "3.5", "core", "culture", "session", "yes", "workshop"]


@pytest.fixture
def seeded(sqlite_ledger):
    sqlite_ledger.trainee("T1")
    sqlite_ledger.hours([GOOD_HOURS])
    return sqlite_ledger


def _rejected(fn, path, db, **kw) -> ImportRejected:
    with pytest.raises(ImportRejected) as exc:
        fn(path, by="test", db=db, **kw)
    return exc.value


def test_trainee_import_accepts_yes_no_spellings_and_blank_profile(ledger, tmp_path):
    rows = [
        GOOD_TRAINEE,
        ["T2", "Bo Li", "1990-12-31", "1", "high-school", "Yes", "no", "ca-ppss"],
        ["T3", "Cy Ode", "1970-07-07", "true", "master", "0", "1", ""],
    ]
    out = import_trainees(
        write_csv(tmp_path / "t.csv", TRAINEE_HEADER, rows), by="x", db=ledger.url
    )
    assert out.written == 3
    from ppskit.ledger.api import trainees_frame

    df = trainees_frame(db=ledger.url).set_index("trainee_id")
    assert list(df["profile"]) == ["ca-ppss"] * 3
    assert not df.loc["T3", "id_verified"] and df.loc["T3", "employed_2022_01_01"]


@pytest.mark.parametrize(
    ("row", "column", "needle"),
    [
        (
            ["T9", "2025-01-10", "2", "core", "culture", "session", "yes", ""],
            "trainee_id",
            "unknown trainee 'T9'",
        ),
        (
            ["T1", "2025-01-10", "2", "core", "parenting", "session", "yes", ""],
            "topic",
            "'parenting' is not a core domain",
        ),
        (
            ["T1", "10/01/2025", "2", "core", "culture", "session", "yes", ""],
            "date",
            "not a date; write it as YYYY-MM-DD",
        ),
        (["T1", "2025-02-30", "2", "core", "culture", "session", "yes", ""], "date", "not a date"),
        (
            ["T1", "2025-01-10", "0", "core", "culture", "session", "yes", ""],
            "hours",
            "more than 0",
        ),
        (
            ["T1", "2025-01-10", "-3", "core", "culture", "session", "yes", ""],
            "hours",
            "more than 0",
        ),
        (
            ["T1", "2025-01-10", "25", "core", "culture", "session", "yes", ""],
            "hours",
            "24 or fewer",
        ),
        (
            ["T1", "2025-01-10", "two", "core", "culture", "session", "yes", ""],
            "hours",
            "not a number",
        ),
        (
            ["T1", "2099-01-10", "2", "core", "culture", "session", "yes", ""],
            "date",
            "in the future",
        ),
        (
            ["T1", "2025-01-10", "2", "training", "culture", "session", "yes", ""],
            "category",
            "category 'training' is not one of core, ce, supervision",
        ),
        (
            ["T1", "2025-01-10", "2", "core", "culture", "zoom", "yes", ""],
            "source",
            "source 'zoom' is not one of",
        ),
        (
            ["T1", "2025-01-10", "2", "core", "culture", "session", "maybe", ""],
            "verified",
            "not yes or no",
        ),
        (GOOD_HOURS, "", "exact duplicate of ledger entry 1"),
        (
            ["T1", "2025-01-10", "21", "core", "culture", "session", "yes", "long"],
            "hours",
            "more than 24 hours on 2025-01-10",
        ),
    ],
)
def test_bad_hours_row_is_reported_and_nothing_changes(seeded, tmp_path, row, column, needle):
    path = sqlite_path(seeded.url)
    before = file_digest(path)
    good = ["T1", "2025-01-11", "2", "core", "advocacy", "session", "yes", ""]
    csv_path = write_csv(tmp_path / "hours.csv", HOURS_HEADER, [good, row])
    err = _rejected(import_hours, csv_path, seeded.url)
    assert file_digest(path) == before
    [problem] = err.errors
    assert (problem.line, problem.column) == (3, column)
    assert needle in problem.message
    report = err.report()
    assert f"{csv_path}, line 3" in report and "nothing was written" in report


def test_duplicates_within_one_file_are_caught(seeded, tmp_path):
    row = ["T1", "2025-01-12", "2", "core", "advocacy", "session", "yes", ""]
    err = _rejected(
        import_hours, write_csv(tmp_path / "h.csv", HOURS_HEADER, [row, row]), seeded.url
    )
    assert [(e.line, e.message) for e in err.errors] == [(3, "exact duplicate of line 2")]


def test_every_bad_row_is_listed_at_once(seeded, tmp_path):
    rows = [
        ["T1", "2025-01-12", "x", "core", "culture", "session", "yes", ""],
        ["T1", "2025-01-12", "2", "core", "culture", "session", "yes", ""],
        ["T7", "2025-01-12", "2", "core", "culture", "session", "yes", ""],
    ]
    err = _rejected(import_hours, write_csv(tmp_path / "h.csv", HOURS_HEADER, rows), seeded.url)
    assert [e.line for e in err.errors] == [2, 4]


@pytest.mark.parametrize(
    ("header", "needle"),
    [
        (HOURS_HEADER + ["extra"], "unexpected column 'extra'"),
        (HOURS_HEADER[:-1], "column 'note' is missing"),
    ],
)
def test_header_must_match_pinned_columns(seeded, tmp_path, header, needle):
    before = file_digest(sqlite_path(seeded.url))
    rows = [GOOD_HOURS[: len(header)] + [""] * (len(header) - len(GOOD_HOURS))]
    err = _rejected(import_hours, write_csv(tmp_path / "h.csv", header, rows), seeded.url)
    assert needle in err.report()
    assert file_digest(sqlite_path(seeded.url)) == before


def test_file_without_header_is_rejected(seeded, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    assert "header row is missing" in _rejected(import_hours, path, seeded.url).report()


@pytest.mark.parametrize(
    ("row", "column", "needle"),
    [
        (
            ["T1", "Dup", "1980-01-01", "yes", "ged", "yes", "", ""],
            "trainee_id",
            "already registered",
        ),
        (["T5", "Kid", "2030-01-01", "yes", "ged", "yes", "", ""], "birth_date", "future"),
        (["T5", "X", "1980-01-01", "yes", "phd-ish", "yes", "", ""], "education", "not one of"),
        (
            ["T5", "X", "1980-01-01", "sometimes", "ged", "yes", "", ""],
            "lived_experience",
            "not yes or no",
        ),
        (
            ["T5", "X", "1980-01-01", "yes", "ged", "yes", "", "tx-ppss"],
            "profile",
            "unknown policy profile",
        ),
        (
            ["T 5", "X", "1980-01-01", "yes", "ged", "yes", "", ""],
            "trainee_id",
            "not a usable trainee id",
        ),
    ],
)
def test_bad_trainee_rows(seeded, tmp_path, row, column, needle):
    before = file_digest(sqlite_path(seeded.url))
    err = _rejected(
        import_trainees, write_csv(tmp_path / "t.csv", TRAINEE_HEADER, [row]), seeded.url
    )
    assert (err.errors[0].line, err.errors[0].column) == (2, column)
    assert needle in err.errors[0].message
    assert file_digest(sqlite_path(seeded.url)) == before


@pytest.mark.parametrize(
    ("row", "needle"),
    [
        (["T1", "2025-01-10", "A", "knitting", "80"], "not an exam section"),
        (["T1", "2025-01-10", "A", "engaging-families", "101"], "between 0 and 100"),
        (["T9", "2025-01-10", "A", "engaging-families", "80"], "unknown trainee"),
        (["T1", "2099-01-10", "A", "engaging-families", "80"], "in the future"),
    ],
)
def test_bad_exam_rows(seeded, tmp_path, row, needle):
    before = file_digest(sqlite_path(seeded.url))
    err = _rejected(
        import_exam_results, write_csv(tmp_path / "e.csv", EXAM_HEADER, [row]), seeded.url
    )
    assert needle in err.report()
    assert file_digest(sqlite_path(seeded.url)) == before


def test_exam_import_refuses_exact_duplicate(seeded, tmp_path):
    row = ["T1", "2025-01-10", "A", "engaging-families", "80"]
    import_exam_results(write_csv(tmp_path / "e1.csv", EXAM_HEADER, [row]), by="t", db=seeded.url)
    err = _rejected(
        import_exam_results, write_csv(tmp_path / "e2.csv", EXAM_HEADER, [row]), seeded.url
    )
    assert "already recorded" in err.report()


def test_future_check_uses_today(seeded, tmp_path):
    row = ["T1", "2025-03-02", "1", "core", "culture", "session", "yes", ""]
    path = write_csv(tmp_path / "h.csv", HOURS_HEADER, [row])
    assert "future" in _rejected(import_hours, path, seeded.url, today=date(2025, 3, 1)).report()
    assert import_hours(path, by="t", db=seeded.url, today=date(2025, 3, 2)).written == 1
