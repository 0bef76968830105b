"""Hardened imports: 24 hours a day for every source, case-insensitive ids, exam
corrections, CSV reading with physical line numbers, lengths both databases accept,
plain errors for impossible entry numbers, streamed chunks, optional ``enrolled_on``."""

from __future__ import annotations

import csv
from datetime import date, timedelta

import pytest
from conftest import (
    EXAM_HEADER,
    HOURS_HEADER,
    TRAINEE_HEADER,
    file_digest,
    sqlite_path,
    write_csv,
)
from sqlalchemy import select
from typer.testing import CliRunner

import ppskit.imports as imports
from ppskit.cli import app
from ppskit.db import read_connection
from ppskit.imports import ImportRejected, import_exam_results, import_hours, import_trainees
from ppskit.ledger.api import (
    exam_results_frame,
    hours_frame,
    record_exam_results,
    record_module_hours,
    trainees_frame,
)
from ppskit.ledger.tables import exam_results
from ppskit.records import HOURS_COLUMNS, HoursRow, plain_hours_row

runner = CliRunner()
DAY = "2025-01-10"


def hours_row(tid="T1", day=DAY, hours="2", category="core", topic="culture", **kw) -> list:
    source, verified, note = (
        kw.get("source", "session"),
        kw.get("verified", "yes"),
        kw.get("note", ""),
    )
    return [tid, day, hours, category, topic, source, verified, note]


def rejected(fn, path, db, **kw) -> ImportRejected:
    with pytest.raises(ImportRejected) as exc:
        fn(path, by="test", db=db, **kw)
    return exc.value


def cli(*args: str):
    return runner.invoke(app, list(args))


# ---------------------------------------------------------------- 4: 24 hours a day, every source


@pytest.mark.parametrize("source", ["module", "session", "external"])
def test_no_source_can_put_more_than_24_hours_on_one_day_in_a_file(ledger, tmp_path, source):
    ledger.trainee("T1")
    rows = [hours_row(hours="24", topic=t, source=source) for t in ("culture", "advocacy")]
    rows += [hours_row(hours="1", category="ce", topic="self-care-ce", source=source)]
    err = rejected(import_hours, write_csv(tmp_path / "h.csv", HOURS_HEADER, rows), ledger.url)
    assert [(e.line, e.column) for e in err.errors] == [(3, "hours"), (4, "hours")]
    assert f"T1 would have more than 24 hours on {DAY}" in err.errors[0].message
    assert hours_frame(db=ledger.url).empty


def test_module_hours_count_against_the_ledger_day(ledger, tmp_path):
    ledger.trainee("T1")
    ledger.hours([hours_row(hours="20", topic="advocacy", note="workshop")])
    path = write_csv(tmp_path / "m.csv", HOURS_HEADER, [hours_row(hours="5", source="module")])
    err = rejected(import_hours, path, ledger.url)
    assert "more than 24 hours on 2025-01-10" in err.report()
    assert len(hours_frame(db=ledger.url)) == 1


def test_record_my_hours_refuses_a_module_that_would_pass_24_hours(ledger):
    ledger.trainee("T1")
    # Enough already that the module's own hours would pass 24 on that day.
    ledger.hours([hours_row(hours="23.75", topic="advocacy")])
    with pytest.raises(ImportRejected) as exc:
        record_module_hours("T1", "culture", on=date(2025, 1, 10), db=ledger.url)
    [problem] = exc.value.errors
    assert "more than 24 hours" in problem.message
    assert "another day" in problem.message and "trainer" in problem.message
    assert len(hours_frame(db=ledger.url)) == 1
    # Another day is fine.
    assert record_module_hours("T1", "culture", on=date(2025, 1, 11), db=ledger.url).created


def test_finishing_a_module_in_the_notebook_says_to_record_it_another_day(sqlite_ledger):
    from ppskit.exercises import open_module
    from ppskit.exercises.module import LedgerProblem

    sqlite_ledger.trainee("T1")
    sqlite_ledger.hours([hours_row(day=date.today().isoformat(), hours="23.75", topic="advocacy")])
    module = open_module("culture", trainee="T1", db=sqlite_ledger.url)
    with pytest.raises(LedgerProblem, match="another day"):
        module.record_hours()


# ---------------------------------------------------------------- 5: ids are not case-sensitive


def test_trainee_ids_differing_in_case_are_duplicates_in_one_file(ledger, tmp_path):
    rows = [
        ["T1", "Ana Cruz", "1985-02-03", "yes", "ged", "yes", "", ""],
        ["t1", "Ana Cruz", "1985-02-03", "yes", "ged", "yes", "", ""],
    ]
    path = write_csv(tmp_path / "t.csv", TRAINEE_HEADER, rows)
    err = rejected(import_trainees, path, ledger.url)
    assert [(e.line, e.column) for e in err.errors] == [(3, "trainee_id")]
    assert "also appears on line 2 as 'T1'" in err.errors[0].message
    assert trainees_frame(db=ledger.url).empty


def test_trainee_id_in_another_case_than_the_ledger_is_refused(ledger, tmp_path):
    ledger.trainee("T1")
    path = write_csv(
        tmp_path / "t.csv",
        TRAINEE_HEADER,
        [["t1", "Tee", "1980-01-01", "yes", "ged", "yes", "", ""]],
    )
    [problem] = rejected(import_trainees, path, ledger.url).errors
    assert problem.message == (
        "trainee 't1' is already registered as 'T1'; ids are not case-sensitive"
    )


def test_hours_and_exam_rows_suggest_the_registered_spelling(ledger, tmp_path):
    ledger.trainee("T1")
    h = write_csv(tmp_path / "h.csv", HOURS_HEADER, [hours_row(tid="t1")])
    [problem] = rejected(import_hours, h, ledger.url).errors
    assert (problem.column, problem.message) == (
        "trainee_id",
        "unknown trainee 't1'; did you mean 'T1'?",
    )
    e = write_csv(tmp_path / "e.csv", EXAM_HEADER, [["t1", DAY, "A", "engaging-families", "80"]])
    assert (
        "unknown trainee 't1'; did you mean 'T1'?"
        in rejected(import_exam_results, e, ledger.url).report()
    )


# ---------------------------------------------------------------- 6: exam corrections


@pytest.mark.parametrize("score", ["80", "85"])
def test_a_recorded_sitting_is_refused_whatever_the_score(ledger, tmp_path, score):
    ledger.trainee("T1")
    first = write_csv(
        tmp_path / "e1.csv", EXAM_HEADER, [["T1", DAY, "A", "engaging-families", "80"]]
    )
    import_exam_results(first, by="t", db=ledger.url)
    again = write_csv(
        tmp_path / "e2.csv", EXAM_HEADER, [["T1", DAY, "A", "engaging-families", score]]
    )
    err = rejected(import_exam_results, again, ledger.url)
    assert "already recorded" in err.report()
    if score != "80":
        assert "--correct --reason" in err.report()
    assert list(exam_results_frame(db=ledger.url)["score_pct"]) == [80.0]


def test_a_correction_keeps_its_reason_and_supersedes(ledger, tmp_path):
    ledger.trainee("T1")
    row = ["T1", DAY, "A", "engaging-families", "80"]
    import_exam_results(write_csv(tmp_path / "e1.csv", EXAM_HEADER, [row]), by="t", db=ledger.url)
    fixed = write_csv(tmp_path / "e2.csv", EXAM_HEADER, [[*row[:4], "86"]])
    out = import_exam_results(
        fixed, by="t", db=ledger.url, correction_reason="item 7 was keyed wrong"
    )
    assert out.written == 1
    assert list(exam_results_frame(db=ledger.url)["score_pct"]) == [86.0]
    with read_connection(ledger.url) as conn:
        reasons = conn.execute(
            select(exam_results.c.correction_reason).order_by(exam_results.c.result_id)
        ).scalars()
        assert list(reasons) == ["", "item 7 was keyed wrong"]


def test_cli_correct_needs_a_reason_and_something_to_correct(ledger, tmp_path):
    ledger.trainee("T1")
    path = write_csv(tmp_path / "e.csv", EXAM_HEADER, [["T1", DAY, "A", "engaging-families", "80"]])
    no_reason = cli("exam", "record", str(path), "--correct", "--db", ledger.url)
    assert no_reason.exit_code == 1 and "--correct needs --reason" in no_reason.output
    nothing = cli("exam", "record", str(path), "--correct", "--reason", "x", "--db", ledger.url)
    assert nothing.exit_code == 1 and "nothing to correct" in nothing.output
    assert "Traceback" not in nothing.output
    assert exam_results_frame(db=ledger.url).empty
    ok = cli("exam", "record", str(path), "--db", ledger.url)
    assert ok.exit_code == 0, ok.output
    fixed = write_csv(
        tmp_path / "f.csv", EXAM_HEADER, [["T1", DAY, "A", "engaging-families", "90"]]
    )
    done = cli(
        "exam", "record", str(fixed), "--correct", "--reason", "regraded", "--db", ledger.url
    )
    assert done.exit_code == 0, done.output
    assert list(exam_results_frame(db=ledger.url)["score_pct"]) == [90.0]


def test_exam_before_birth_is_refused_but_history_before_registration_imports(ledger, tmp_path):
    ledger.trainee("T1", birth="1980-01-01")  # registered today
    early = write_csv(
        tmp_path / "e.csv", EXAM_HEADER, [["T1", "1979-12-31", "A", "engaging-families", "80"]]
    )
    [problem] = rejected(import_exam_results, early, ledger.url).errors
    assert (problem.column, problem.message.split(" (")[0]) == (
        "date",
        "1979-12-31 is before the trainee's birth date",
    )
    old = (date.today() - timedelta(days=8 * 365)).isoformat()
    history = write_csv(
        tmp_path / "old.csv", EXAM_HEADER, [["T1", old, "A", "engaging-families", "80"]]
    )
    assert import_exam_results(history, by="t", db=ledger.url).written == 1
    hours = write_csv(tmp_path / "h.csv", HOURS_HEADER, [hours_row(day=old)])
    assert import_hours(hours, by="t", db=ledger.url).written == 1


@pytest.mark.parametrize("form", ["A B", "-A", "x" * 21, "A/1", "Ä"])
def test_form_ids_must_be_short_ids(seeded_sqlite, tmp_path, form):
    path = write_csv(
        tmp_path / "e.csv", EXAM_HEADER, [["T1", DAY, form, "engaging-families", "80"]]
    )
    [problem] = rejected(import_exam_results, path, seeded_sqlite.url).errors
    assert problem.column == "form" and "is not a form id" in problem.message


@pytest.fixture
def seeded_sqlite(sqlite_ledger):
    sqlite_ledger.trainee("T1")
    return sqlite_ledger


def test_pipeline_skips_identical_and_refuses_a_silent_regrade(ledger):
    ledger.trainee("T1")
    row = {
        "trainee_id": "T1",
        "date": DAY,
        "form": "A",
        "section": "engaging-families",
        "score_pct": 60,
    }
    assert record_exam_results([row], recorded_by="nbgrader", db=ledger.url) == 1
    assert record_exam_results([row], recorded_by="nbgrader", db=ledger.url) == 0
    with pytest.raises(ImportRejected, match="only recorded as a correction with a reason"):
        record_exam_results([{**row, "score_pct": 72}], recorded_by="nbgrader", db=ledger.url)
    n = record_exam_results(
        [{**row, "score_pct": 72}],
        recorded_by="formgrader",
        db=ledger.url,
        correction_reason="manual regrade",
    )
    assert n == 1 and list(exam_results_frame(db=ledger.url)["score_pct"]) == [72.0]


# ---------------------------------------------------------------- 10: reading CSV


def _write_text(path, text: str, encoding="utf-8"):
    path.write_bytes(text.encode(encoding, errors="surrogateescape"))
    return path


HEAD = ",".join(HOURS_COLUMNS) + "\n"
GOOD = "T1,2025-01-11,2,core,advocacy,session,yes,ok\n"


def test_a_quoted_multiline_note_is_data_and_lines_are_physical(seeded_sqlite, tmp_path):
    text = (
        HEAD
        + 'T1,2025-01-10,2,core,culture,session,yes,"first line\nsecond line\nthird"\n'
        + "T1,2025-01-12,x,core,culture,session,yes,\n"
    )
    err = rejected(import_hours, _write_text(tmp_path / "h.csv", text), seeded_sqlite.url)
    assert [(e.line, e.column) for e in err.errors] == [(5, "hours")]
    ok = _write_text(tmp_path / "ok.csv", text.rsplit("T1,2025-01-12", 1)[0])
    assert import_hours(ok, by="t", db=seeded_sqlite.url).written == 1
    assert hours_frame(db=seeded_sqlite.url)["note"][0] == "first line\nsecond line\nthird"


def test_u2028_in_an_unquoted_note_is_data(seeded_sqlite, tmp_path):
    text = HEAD + "T1,2025-01-10,2,core,culture,session,yes,before\u2028after\n" + GOOD
    out = import_hours(_write_text(tmp_path / "h.csv", text), by="t", db=seeded_sqlite.url)
    assert out.written == 2
    assert hours_frame(db=seeded_sqlite.url)["note"][0] == "before\u2028after"


@pytest.mark.parametrize(
    ("text", "line", "column", "needle"),
    [
        (HEAD + GOOD + 'T1,2025-01-10,2,core,culture,session,yes,"never closed\n' + GOOD, 3, "",
         "never closed"),
        (HEAD + GOOD + "T1,2025-01-10,2,core,culture,session,yes,bad\x00byte\n", 3, "note",
         "NUL"),
        (HEAD + GOOD + "T1,2025-01-10,2,core,culture,session,yes,caf\udce9\n", 3, "note",
         "not UTF-8"),
        (HEAD + GOOD + 'T1,2025-01-10,2,core,culture,session,yes,"a"b\n', 3, "",
         "closing quote"),
        (HEAD + GOOD + "T1,2025-01-10,2,core,culture,session,yes," + "n" * 200_000 + "\n", 3,
         "note", "note is longer than 2,000 characters (it has 200,000)"),
        (HEAD + GOOD + "T1,2025-01-10,2,core,culture,session,yes," + "n" * 1_100_000 + "\n" + GOOD,
         3, "", "longer than 1,048,576 characters"),
    ],
    ids=["unterminated-quote", "nul", "not-utf8", "text-after-quote", "field-200k", "line-1m"],
)  # fmt: skip
def test_unreadable_rows_get_a_plain_message_at_their_line(
    seeded_sqlite, tmp_path, text, line, column, needle
):
    path = _write_text(tmp_path / "h.csv", text)
    before = file_digest(sqlite_path(seeded_sqlite.url))
    err = rejected(import_hours, path, seeded_sqlite.url)
    assert (err.errors[0].line, err.errors[0].column) == (line, column)
    assert needle in err.errors[0].message
    assert file_digest(sqlite_path(seeded_sqlite.url)) == before
    result = cli("hours", "import", str(path), "--db", seeded_sqlite.url)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert len(result.output) < 2_000  # no value is echoed whole


# ---------------------------------------------------------------- 11: lengths, both databases


@pytest.mark.parametrize(
    ("kind", "row", "column", "message"),
    [
        ("hours", hours_row(category="ce", topic="t" * 65), "topic",
         "topic is longer than 64 characters (it has 65)"),
        ("hours", hours_row(note="n" * 2_001), "note",
         "note is longer than 2,000 characters (it has 2,001)"),
        ("hours", hours_row(tid="T" * 65), "trainee_id",
         "trainee id is longer than 64 characters (it has 65)"),
        ("trainees", ["T5", "N" * 201, "1980-01-01", "yes", "ged", "yes", "", ""], "name",
         "name is longer than 200 characters (it has 201)"),
        ("trainees", ["T5", "N", "1980-01-01", "yes", "e" * 41, "yes", "", ""], "education",
         "education is longer than 40 characters (it has 41)"),
        ("exam", ["T1", DAY, "A", "s" * 65, "80"], "section",
         "section is longer than 64 characters (it has 65)"),
    ],
)  # fmt: skip
def test_over_long_values_get_the_same_row_report_on_both_databases(
    ledger, tmp_path, kind, row, column, message
):
    ledger.trainee("T1")
    fn, header = {
        "hours": (import_hours, HOURS_HEADER),
        "trainees": (import_trainees, TRAINEE_HEADER),
        "exam": (import_exam_results, EXAM_HEADER),
    }[kind]
    [problem] = rejected(fn, write_csv(tmp_path / "x.csv", header, [row]), ledger.url).errors
    assert (problem.line, problem.column, problem.message) == (2, column, message)


def test_over_long_recorder_name_is_refused_plainly(ledger, tmp_path):
    ledger.trainee("T1")
    path = write_csv(tmp_path / "h.csv", HOURS_HEADER, [hours_row()])
    result = cli("hours", "import", str(path), "--by", "B" * 101, "--db", ledger.url)
    assert result.exit_code == 1 and "--by is longer than 100 characters" in result.output
    assert "Traceback" not in result.output


# ---------------------------------------------------------------- 12: impossible entry numbers


@pytest.mark.parametrize("number", ["9999999999999999999999", "2147483648", "0"])
def test_void_and_verify_of_an_impossible_entry_number_are_plain_errors(ledger, number):
    ledger.trainee("T1")
    void = cli("hours", "void", number, "--reason", "typo", "--db", ledger.url)
    assert void.exit_code == 1, void.output
    assert f"entry {number} does not exist" in void.output and "Traceback" not in void.output
    verify = cli("hours", "verify", "1", number, "--by", "Tess", "--db", ledger.url)
    assert verify.exit_code == 1
    assert f"entry {number} does not exist" in verify.output and "Traceback" not in verify.output


# ---------------------------------------------------------------- 14: streaming in chunks


def test_report_is_capped_and_errors_file_lists_every_problem(seeded_sqlite, tmp_path):
    rows = [hours_row(hours="x", day=f"2024-01-{d:02d}") for d in range(1, 29)] * 9  # 252
    path = write_csv(tmp_path / "h.csv", HOURS_HEADER, rows)
    errors = tmp_path / "problems.csv"
    result = cli("hours", "import", str(path), "--errors", str(errors), "--db", seeded_sqlite.url)
    assert result.exit_code == 1
    assert "252 problem(s) found; nothing was written" in result.output
    assert result.output.count("column hours") == 100
    assert f"and 152 more problems (all are listed in {errors})" in result.output
    with errors.open(newline="", encoding="utf-8") as fh:
        listed = list(csv.reader(fh))
    assert listed[0] == ["file", "line", "column", "message"]
    assert len(listed) == 253 and listed[-1][:3] == [str(path), "253", "hours"]
    assert "not a number of hours" in listed[-1][3]


def test_errors_file_for_trainees_and_exams_and_a_header_problem(seeded_sqlite, tmp_path):
    bad = write_csv(
        tmp_path / "t.csv", TRAINEE_HEADER, [["T1", "X", "1980-01-01", "yes", "ged", "yes", "", ""]]
    )
    errors = tmp_path / "t-problems.csv"
    result = cli("trainees", "import", str(bad), "--errors", str(errors), "--db", seeded_sqlite.url)
    assert result.exit_code == 1
    assert "already registered" in errors.read_text(encoding="utf-8")
    exam = write_csv(
        tmp_path / "e.csv",
        [*EXAM_HEADER, "extra"],
        [["T1", DAY, "A", "engaging-families", "8", ""]],
    )
    e_errors = tmp_path / "e-problems.csv"
    result = cli("exam", "record", str(exam), "--errors", str(e_errors), "--db", seeded_sqlite.url)
    assert result.exit_code == 1
    assert "unexpected column 'extra'" in e_errors.read_text(encoding="utf-8")


def _chunked_rows() -> list[list]:
    rows = [hours_row(day=f"2025-01-{d:02d}", hours="3") for d in range(1, 9)]
    rows.append(hours_row(day="2025-01-02", hours="3"))  # duplicate of line 3, later chunk
    rows.append(hours_row(day="2025-01-20", hours="12", topic="advocacy"))
    rows.append(hours_row(day="2025-01-20", hours="12.5", topic="ethics-boundaries"))  # > 24
    rows.append(hours_row(day="2025-01-30", hours="2", note="in the ledger"))  # ledger duplicate
    return rows


@pytest.mark.parametrize("chunk", [1, 3, 1000])
def test_checks_hold_across_chunks(ledger, tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(imports, "CHUNK_ROWS", chunk)
    ledger.trainee("T1")
    ledger.hours([hours_row(day="2025-01-30", hours="2", note="in the ledger")])
    path = write_csv(tmp_path / "h.csv", HOURS_HEADER, _chunked_rows())
    err = rejected(import_hours, path, ledger.url)
    assert [(e.line, e.message) for e in err.errors] == [
        (10, "exact duplicate of line 3"),
        (12, "T1 would have more than 24 hours on 2025-01-20"),
        (13, "exact duplicate of ledger entry 1; these hours are already recorded"),
    ]
    assert len(hours_frame(db=ledger.url)) == 1
    good = write_csv(tmp_path / "g.csv", HOURS_HEADER, _chunked_rows()[:8])
    out = import_hours(good, by="t", db=ledger.url)
    df = hours_frame(db=ledger.url)
    assert out.written == 8 and list(out.ids) == list(df["entry_id"])[1:]
    assert list(df["date"].astype(str))[1:] == [f"2025-01-{d:02d}" for d in range(1, 9)]


def test_a_bad_row_in_a_late_chunk_writes_nothing(seeded_sqlite, tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    rows = [hours_row(day=f"2025-02-{d:02d}") for d in range(1, 10)]
    rows.append(hours_row(day="2025-02-30"))
    before = file_digest(sqlite_path(seeded_sqlite.url))
    err = rejected(
        import_hours, write_csv(tmp_path / "h.csv", HOURS_HEADER, rows), seeded_sqlite.url
    )
    assert [(e.line, e.column) for e in err.errors] == [(11, "date")]
    assert file_digest(sqlite_path(seeded_sqlite.url)) == before


@pytest.mark.parametrize(
    "raw",
    [
        hours_row(),
        hours_row(category=" CE ", topic=" self-care-ce ", source="External", verified="TRUE"),
        hours_row(hours=" 1.25 ", note="  spaced  "),
        hours_row(hours="0.001"),
        hours_row(hours="nan"),
        hours_row(hours="24.01"),
        hours_row(day="2025-1-10"),
        hours_row(day=" 2025-01-10 "),
        hours_row(verified="maybe"),
        hours_row(tid=" "),
        hours_row(source="zoom"),
        hours_row(hours="1e1"),
    ],
)
def test_fast_path_agrees_with_the_model(raw):
    raw = dict(zip(HOURS_COLUMNS, raw, strict=True))
    fast = plain_hours_row(raw)
    try:
        model = HoursRow.model_validate(raw)
    except ValueError:
        assert fast is None
        return
    if fast is not None:
        assert fast == tuple(getattr(model, c) for c in HOURS_COLUMNS)


# ---------------------------------------------------------------- 15: enrolled_on


def test_trainee_file_may_end_with_enrolled_on(ledger, tmp_path):
    rows = [
        ["T1", "Ana", "1985-02-03", "yes", "ged", "yes", "", "", "2019-09-01"],
        ["T2", "Bo", "1990-12-31", "yes", "ged", "yes", "", "", ""],
    ]
    path = write_csv(tmp_path / "t.csv", [*TRAINEE_HEADER, "enrolled_on"], rows)
    assert import_trainees(path, by="t", db=ledger.url, today=date(2025, 3, 1)).written == 2
    df = trainees_frame(db=ledger.url).set_index("trainee_id")
    assert [str(d) for d in df["enrolled_on"]] == ["2019-09-01", "2025-03-01"]


@pytest.mark.parametrize(
    ("value", "needle"),
    [("2025-03-02", "after the import date"), ("1985-02-02", "before the birth date"),
     ("soon", "not a date")],
)  # fmt: skip
def test_enrolled_on_after_import_or_before_birth_is_refused(
    sqlite_ledger, tmp_path, value, needle
):
    sqlite_ledger.trainee("T0")
    row = ["T1", "Ana", "1985-02-03", "yes", "ged", "yes", "", "", value]
    path = write_csv(tmp_path / "t.csv", [*TRAINEE_HEADER, "enrolled_on"], [row])
    before = file_digest(sqlite_path(sqlite_ledger.url))
    err = rejected(import_trainees, path, sqlite_ledger.url, today=date(2025, 3, 1))
    assert (err.errors[0].line, err.errors[0].column) == (2, "enrolled_on")
    assert needle in err.errors[0].message
    assert file_digest(sqlite_path(sqlite_ledger.url)) == before
