"""Supervision: a supervisor registry with dated qualifications, supervision hours that
name their supervisor, and the flags (ok, missing, lapsed, unqualified) each profile's
rules give, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from conftest import HOURS_HEADER, TRAINEE_HEADER, Ledger
from typer.testing import CliRunner

from ppskit.cli import app
from ppskit.imports import ImportRejected
from ppskit.office.supervision import (
    FLAG_COLUMNS,
    SupervisionRefused,
    add_supervisor,
    import_supervision,
    list_supervisors,
    log_supervision,
    qualify_supervisor,
    supervision_flags,
)
from ppskit.policies import load_policy

D = date.fromisoformat
CA = load_policy("ca-ppss").supervision
GA = load_policy("ga-cps-p").supervision
CALMHSA = load_policy("calmhsa-pss-pc").supervision
GA_DAYS = GA.cadence.period_days.at()
CA_YEARS = next(r for r in CA.qualifies if r.kind == "ppss-years").minimum.at()


def specialist(ledger: Ledger, tid: str, profile: str, worked: float = 8.0) -> None:
    """A registered trainee of ``profile`` with work hours logged (so supervised)."""
    from ppskit.imports import import_trainees

    row = [tid, f"Name {tid}", "1980-01-01", "yes", "high-school", "yes", "", profile]
    import_trainees(ledger._file(TRAINEE_HEADER, [row]), by="test", db=ledger.url)
    if worked:
        ledger.hours([[tid, "2026-01-02", worked, "work", "", "session", "yes", ""]])


def flags(ledger: Ledger, as_of: str) -> dict[str, tuple[str, str]]:
    df = supervision_flags(D(as_of), ledger.url)
    assert list(df.columns) == list(FLAG_COLUMNS)
    return {r.trainee_id: (r.supervision, r.supervision_note) for r in df.itertuples()}


def parent_supervisor(ledger: Ledger, sid: str = "S1", years: float | None = None) -> None:
    """A seed-002 supervisor: lived experience, the profile's years as a PPSS, managing."""
    add_supervisor(sid, name=f"Parent {sid}", by="office", db=ledger.url)
    qualify_supervisor(
        sid,
        on=D("2025-01-01"),
        lived_experience=True,
        ppss_years=CA_YEARS if years is None else years,
        managing=True,
        by="office",
        db=ledger.url,
    )


def licensed_supervisor(
    ledger: Ledger, sid: str = "L1", kind: str = "LCSW", expires: str = "2026-06-30"
) -> None:
    """A seed-004 supervisor: an independent licence until ``expires``."""
    add_supervisor(sid, name=f"Clinician {sid}", by="office", db=ledger.url)
    qualify_supervisor(
        sid,
        on=D("2025-01-01"),
        licence_kind=kind,
        licence_number="123",
        licence_expires=D(expires),
        by="office",
        db=ledger.url,
    )


def session(ledger: Ledger, tid: str, sid: str, day: str, hours: float = 1.0, **kw) -> str:
    out = log_supervision(
        tid, supervisor_id=sid, on=D(day), hours=hours, by="office", db=ledger.url, **kw
    )
    return out.message


# ------------------------------------------------------------- seed 002 (ca-ppss)


def test_seed_002_parent_supervisor_qualifies_and_a_clinician_does_not(ledger):
    specialist(ledger, "T1", "ca-ppss")
    specialist(ledger, "T2", "ca-ppss")
    parent_supervisor(ledger, "S1")
    licensed_supervisor(ledger, "L1")
    session(ledger, "T1", "S1", "2026-01-05")
    msg = session(ledger, "T2", "L1", "2026-01-05")
    assert "does not qualify" in msg and "managing others" in msg
    got = flags(ledger, "2026-02-01")
    assert got["T1"][0] == "ok"
    state, note = got["T2"]
    assert state == "unqualified"
    assert "L1" in note and "Parent Peer Support Specialist" in note
    assert "ppskit supervisors qualify L1" in note


def test_seed_002_years_as_ppss_at_the_minimum_qualify_just_below_do_not(ledger):
    specialist(ledger, "T1", "ca-ppss")
    specialist(ledger, "T2", "ca-ppss")
    parent_supervisor(ledger, "S5", years=CA_YEARS)
    parent_supervisor(ledger, "S4", years=CA_YEARS - 0.5)
    session(ledger, "T1", "S5", "2026-01-05")
    session(ledger, "T2", "S4", "2026-01-05")
    got = flags(ledger, "2026-02-01")
    assert got["T1"][0] == "ok"
    assert got["T2"][0] == "unqualified" and "years as a Parent Peer" in got["T2"][1]
    listed = {r["supervisor_id"]: r["qualifies_under"] for r in list_supervisors(db=ledger.url)}
    assert "ca-ppss" in listed["S5"].split() and "ca-ppss" not in listed["S4"].split()


def test_seed_002_supervision_per_hours_worked_lapses_and_recovers(ledger):
    cad = CA.cadence
    per, need_each = cad.worked_hours.at(), cad.hours.at()
    specialist(ledger, "T1", "ca-ppss", worked=0)
    # Two full blocks of work: the profile asks twice its hours of supervision.
    ledger.hours(
        [["T1", f"2026-01-{d:02d}", per / 2, "work", "", "session", "yes", ""] for d in range(2, 6)]
    )
    parent_supervisor(ledger)
    session(ledger, "T1", "S1", "2026-01-10", hours=need_each)
    state, note = flags(ledger, "2026-02-01")["T1"]
    assert state == "lapsed" and f"{2 * per:g} hours worked" in note
    session(ledger, "T1", "S1", "2026-01-11", hours=need_each)
    assert flags(ledger, "2026-02-01")["T1"][0] == "ok"


def test_a_withdrawn_qualification_counts_from_its_date_only(ledger):
    specialist(ledger, "T1", "ca-ppss")
    parent_supervisor(ledger)
    session(ledger, "T1", "S1", "2026-01-05")
    qualify_supervisor("S1", on=D("2026-01-10"), managing=False, by="office", db=ledger.url)
    assert flags(ledger, "2026-02-01")["T1"][0] == "ok"  # judged on 5 January
    session(ledger, "T1", "S1", "2026-01-12")
    assert flags(ledger, "2026-02-01")["T1"][0] == "ok"  # the older session still counts
    with pytest.raises(SupervisionRefused, match="Nothing was written"):
        qualify_supervisor("S1", on=D("2026-01-12"), by="office", db=ledger.url)


# ------------------------------------------------------------ seed 004 (ga-cps-p)


def test_seed_004_licence_good_through_its_expiry_day_not_after(ledger):
    specialist(ledger, "G1", "ga-cps-p")
    specialist(ledger, "G2", "ga-cps-p")
    specialist(ledger, "G3", "ga-cps-p")
    licensed_supervisor(ledger, "L1", expires="2026-01-05")
    licensed_supervisor(ledger, "L2", kind="cpss")  # not an independent licence
    session(ledger, "G1", "L1", "2026-01-05")  # on the expiry day: still licensed
    session(ledger, "G2", "L1", "2026-01-06")  # the day after: not
    session(ledger, "G3", "L2", "2026-01-06")
    got = flags(ledger, "2026-01-20")
    assert got["G1"][0] == "ok"
    assert got["G2"][0] == "unqualified" and "independently licensed" in got["G2"][1]
    assert got["G3"][0] == "unqualified"


def test_seed_004_supervision_lapses_the_day_after_the_period(ledger):
    specialist(ledger, "G1", "ga-cps-p")
    licensed_supervisor(ledger, expires="2027-12-31")
    session(ledger, "G1", "L1", "2026-01-01")
    last_day = D("2026-01-01") + timedelta(days=GA_DAYS)
    state, note = flags(ledger, last_day.isoformat())["G1"]
    assert state == "ok" and f"due by {last_day}" in note
    state, note = flags(ledger, (last_day + timedelta(days=1)).isoformat())["G1"]
    assert state == "lapsed" and "2026-01-01" in note and "ppskit supervision log" in note


def test_missing_supervision_for_specialists_only(ledger):
    specialist(ledger, "G1", "ga-cps-p")
    specialist(ledger, "G2", "ga-cps-p", worked=0)  # not working as a specialist yet
    specialist(ledger, "M1", "ms-dmh-cpss-pc")  # profile sets no supervision rules
    got = flags(ledger, "2026-02-01")
    assert set(got) == {"G1"}
    assert got["G1"][0] == "missing" and "ppskit supervision log" in got["G1"][1]
    # Before the work started, G1 was not a specialist either.
    assert flags(ledger, "2026-01-01") == {}


def test_status_flags_specialists_whose_supervision_is_not_in_order(ledger):
    from ppskit.status_output import format_status, status_frame

    specialist(ledger, "C1", "calmhsa-pss-pc")
    specialist(ledger, "C2", "calmhsa-pss-pc")
    add_supervisor("K1", name="Course Done", by="office", db=ledger.url)
    qualify_supervisor("K1", on=D("2025-06-01"), course_done=True, by="office", db=ledger.url)
    session(ledger, "C1", "K1", "2026-01-05")
    df = status_frame(as_of=D("2026-01-20"), db=ledger.url)
    column = dict(zip(df["trainee_id"], df["supervision"], strict=True))
    assert column["C1"] == ""  # in order: nothing to say
    assert column["C2"].startswith("missing: ")
    table = format_status(df)
    assert "Supervision to put in order:" in table and "C2: missing" in table


def test_calmhsa_supervisor_needs_the_course(ledger):
    specialist(ledger, "C1", "calmhsa-pss-pc")
    specialist(ledger, "C2", "calmhsa-pss-pc")
    add_supervisor("K1", name="Course Done", by="office", db=ledger.url)
    qualify_supervisor("K1", on=D("2025-06-01"), course_done=True, by="office", db=ledger.url)
    parent_supervisor(ledger, "S1")  # a seed-002 supervisor without the CalMHSA course
    session(ledger, "C1", "K1", "2026-01-05")
    session(ledger, "C2", "S1", "2026-01-05")
    got = flags(ledger, "2026-01-20")
    assert got["C1"][0] == "ok"
    assert got["C2"][0] == "unqualified" and "supervisor course" in got["C2"][1]


# ------------------------------------------------------------ the hours underneath


def test_voided_and_unverified_supervision_does_not_count(ledger):
    from ppskit.imports import verify_hours, void_hours

    specialist(ledger, "G1", "ga-cps-p")
    licensed_supervisor(ledger)
    out = log_supervision(
        "G1",
        supervisor_id="L1",
        on=D("2026-01-05"),
        hours=1,
        verified=False,
        by="office",
        db=ledger.url,
    )
    state, note = flags(ledger, "2026-01-20")["G1"]
    assert state == "missing" and "wait for verification" in note
    verify_hours(list(out.ids), by="trainer", db=ledger.url)
    assert flags(ledger, "2026-01-20")["G1"][0] == "ok"
    void_hours(out.ids[0], reason="wrong day", by="trainer", db=ledger.url)
    assert flags(ledger, "2026-01-20")["G1"][0] == "missing"


def test_import_takes_the_pinned_hours_columns_plus_a_supervisor_column(ledger):
    specialist(ledger, "G1", "ga-cps-p", worked=0)
    licensed_supervisor(ledger)
    rows = [
        ["G1", "2026-01-03", 6, "work", "", "session", "yes", "", ""],
        ["G1", "2026-01-04", 1, "supervision", "", "session", "yes", "", "L1"],
    ]
    out = import_supervision(
        ledger._file([*HOURS_HEADER, "supervisor_id"], rows), by="t", db=ledger.url
    )
    assert len(out.ids) == 2 and "1 of them supervision" in out.message
    assert flags(ledger, "2026-01-20")["G1"][0] == "ok"
    # The pinned hours file alone still imports (no sessions).
    plain = [["G1", "2026-01-05", 2, "work", "", "session", "yes", ""]]
    assert (
        len(import_supervision(ledger._file(HOURS_HEADER, plain), by="t", db=ledger.url).ids) == 1
    )


def test_import_refuses_bad_supervisor_rows_and_writes_nothing(ledger):
    specialist(ledger, "G1", "ga-cps-p", worked=0)
    licensed_supervisor(ledger)
    rows = [
        ["G1", "2026-01-03", 6, "work", "", "session", "yes", "", ""],
        ["G1", "2026-01-04", 1, "core", "ethics-boundaries", "session", "yes", "", "L1"],
        ["G1", "2026-01-05", 1, "supervision", "", "session", "yes", "", "NOBODY"],
    ]
    with pytest.raises(ImportRejected) as exc:
        import_supervision(
            ledger._file([*HOURS_HEADER, "supervisor_id"], rows), by="t", db=ledger.url
        )
    report = exc.value.report()
    assert "line 3, column category" in report and "line 4, column supervisor_id" in report
    assert "nothing was written" in report
    assert flags(ledger, "2026-01-20") == {}  # not even the work hours were written


def test_registry_rows_are_append_only(ledger):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from ppskit.db import get_engine

    parent_supervisor(ledger)
    for sql in (
        "UPDATE supervisor_qualifications SET flag = false",
        "DELETE FROM supervisors",
    ):
        with pytest.raises(DBAPIError), get_engine(ledger.url).begin() as conn:
            conn.execute(text(sql))
    with pytest.raises(SupervisionRefused, match="already registered"):
        add_supervisor("S1", name="Again", by="office", db=ledger.url)


# ----------------------------------------------------------------------------- CLI


def test_cli_registry_log_and_flags(sqlite_ledger, tmp_path):
    db = sqlite_ledger.url
    specialist(sqlite_ledger, "G1", "ga-cps-p")
    run = CliRunner().invoke
    assert run(app, ["supervisors", "add", "L1", "--name", "Lee", "--db", db]).exit_code == 0
    out = run(
        app,
        ["supervisors", "qualify", "L1", "--on", "2025-01-01", "--licence", "lpc"]
        + ["--licence-expires", "2027-01-01", "--db", db],
    )
    assert out.exit_code == 0, out.output
    listed = run(app, ["supervisors", "list", "--format", "csv", "--db", db])
    assert listed.output.splitlines()[0].startswith("supervisor_id,name,")
    assert "ga-cps-p" in listed.output
    bad = run(
        app,
        ["supervision", "log", "G1", "--supervisor", "X", "--date", "2026-01-05"]
        + ["--hours", "1", "--db", db],
    )
    assert bad.exit_code == 1 and "ppskit supervisors add X" in bad.output
    assert "Traceback" not in bad.output
    ok = run(
        app,
        ["supervision", "log", "G1", "--supervisor", "L1", "--date", "2026-01-05"]
        + ["--hours", "1", "--db", db],
    )
    assert ok.exit_code == 0 and "Logged entry" in ok.output
    shown = run(
        app, ["supervision", "flags", "--as-of", "2026-01-20", "--format", "csv", "--db", db]
    )
    assert shown.output.splitlines()[0] == ",".join(FLAG_COLUMNS)
    assert shown.output.splitlines()[1].startswith("G1,ok,")
