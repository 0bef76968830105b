"""Dated edge scenarios of the profile rules, the facts import and the dated parameters."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import write_csv
from pydantic import BaseModel

from ppskit.facts import FACT_COLUMNS, import_facts
from ppskit.imports import ImportRejected, import_exam_results, import_hours, import_trainees
from ppskit.policies import Param, available_profiles, load_policy
from ppskit.records import EXAM_COLUMNS, HOURS_COLUMNS, TRAINEE_COLUMNS
from ppskit.rules.certificates import expiry_of_new_certificate
from ppskit.status import compute_status

FAR = date(2100, 1, 1)


def _trainee(db, tmp, profile, tid="T1"):  # noqa: ANN001, ANN202
    row = [tid, "N", "1980-01-01", "yes", "high-school", "yes", "", profile]
    import_trainees(write_csv(tmp / f"t{tid}.csv", TRAINEE_COLUMNS, [row]), by="t", db=db)


def _hours(db, tmp, rows):  # noqa: ANN001, ANN202
    return import_hours(write_csv(tmp / "h.csv", HOURS_COLUMNS, rows), by="t", db=db, today=FAR)


def _facts(db, tmp, rows, name="f.csv", today=FAR):  # noqa: ANN001, ANN202
    return import_facts(write_csv(tmp / name, FACT_COLUMNS, rows), by="t", db=db, today=today)


def _status(db, on, tid="T1"):  # noqa: ANN001, ANN202
    return compute_status(as_of=date.fromisoformat(on), trainee=tid, db=db).iloc[0]


def test_all_profiles_load_with_sources():
    assert set(available_profiles()) == {
        "ca-ppss",
        "calmhsa-pss-pc",
        "ms-dmh-cpss-pc",
        "nff-cfps",
        "ga-cps-p",
    }
    for pid in available_profiles():
        p = load_policy(pid)
        assert p.certification.renewal.ce_hours.reference, pid


def test_lookback_counts_the_1095th_day_but_not_the_1096th(db, tmp_path):
    # Mississippi: 250 work hours within 1,095 days before the as-of date 2026-06-30.
    _trainee(db, tmp_path, "ms-dmh-cpss-pc")
    _facts(db, tmp_path, [["T1", "2020-01-01", "employed-in-system", "yes", ""]])
    rows = [
        ["T1", f"2023-08-{d:02d}", 8, "work", "paid", "session", "yes", ""] for d in range(1, 32)
    ]
    rows.append(["T1", "2023-07-01", 2, "work", "paid", "session", "yes", ""])  # 1,095 days
    rows.append(["T1", "2023-06-30", 5, "work", "paid", "session", "yes", ""])  # 1,096 days
    _hours(db, tmp_path, rows)  # 248 + 2 + 5
    assert _status(db, "2026-06-30")["stage"] == "in-training"  # 250 counted: eligible
    later = _status(db, "2026-07-01")  # now 2023-07-01 is the 1,096th day
    assert later["stage"] == "ineligible"
    assert (
        "complete 2 more verified hours of paid or volunteer peer-support work"
        in (later["next_action"])
    )


@pytest.mark.parametrize(
    ("issued", "expires"),
    [
        ("2023-09-30", "2023-10-01"),
        ("2023-10-01", "2027-10-01"),
        ("2015-09-30", "2015-10-01"),
        ("2016-01-15", "2019-10-01"),
    ],
)
def test_mississippi_state_period_end(issued, expires):
    policy = load_policy("ms-dmh-cpss-pc")
    assert expiry_of_new_certificate(policy, date.fromisoformat(issued)) == date.fromisoformat(
        expires
    )


def test_latest_fact_on_or_before_the_date_holds(db, tmp_path):
    _trainee(db, tmp_path, "calmhsa-pss-pc")
    _facts(
        db,
        tmp_path,
        [
            ["T1", "2024-01-01", "code-of-ethics", "yes", ""],
            ["T1", "2024-03-01", "code-of-ethics", "no", "withdrawn"],
        ],
    )
    assert _status(db, "2024-02-29")["stage"] == "in-training"
    assert _status(db, "2024-03-01")["stage"] == "ineligible"
    assert _status(db, "2023-12-31")["stage"] == "ineligible"


def test_facts_import_rejects_bad_rows_all_or_nothing(db, tmp_path):
    _trainee(db, tmp_path, "ms-dmh-cpss-pc")
    rows = [
        ["T1", "2024-01-01", "employed-in-system", "yes", ""],
        ["T1", "2024-01-01", "favourite-colour", "yes", ""],
        ["T1", "2024-01-02", "employed-in-system", "maybe", ""],
        ["T1", "2030-01-01", "employed-in-system", "yes", ""],
        ["NOPE", "2024-01-01", "employed-in-system", "yes", ""],
    ]
    with pytest.raises(ImportRejected) as exc:
        _facts(db, tmp_path, rows, today=date(2025, 1, 1))
    report = exc.value.report()
    assert "line 3, column fact" in report and "favourite-colour" in report
    assert "line 4, column value" in report
    assert "line 5, column date" in report and "future" in report
    assert "line 6, column trainee_id" in report
    assert "nothing was written" in report
    assert _status(db, "2024-06-01")["stage"] == "ineligible"  # the good row was not written


def test_specialization_topic_must_be_declared(db, tmp_path):
    _trainee(db, tmp_path, "calmhsa-pss-pc")
    with pytest.raises(ImportRejected, match="not a specialization"):
        _hours(
            db,
            tmp_path,
            [["T1", "2024-01-01", 4, "specialization", "astrology", "session", "yes", ""]],
        )
    _hours(
        db,
        tmp_path,
        [["T1", "2024-01-01", 4, "specialization", "parent-caregiver", "session", "yes", ""]],
    )


def test_total_is_an_exam_section(db, tmp_path):
    _trainee(db, tmp_path, "nff-cfps")
    rows = [["T1", "2024-01-01", "A", "total", 80]]
    import_exam_results(write_csv(tmp_path / "e.csv", EXAM_COLUMNS, rows), by="t", db=db)
    assert _status(db, "2024-01-02")["exam"] == "passed"


def test_dated_parameter_uses_the_value_in_force():
    p = Param[float].model_validate({"values": {"2020-01-01": 60, "2024-09-01": 80}})
    assert p.at(date(2024, 8, 31)) == 60
    assert p.at(date(2024, 9, 1)) == 80
    assert p.at(date(2019, 1, 1)) == 60  # before the first date: the earliest value
    assert p.at() == 80
    fee = load_policy("calmhsa-pss-pc").fees["renewal"].amount
    assert fee.at(date(2025, 1, 1)) == 80 and fee.since == date(2024, 9, 1)


def test_every_profile_value_is_sourced():
    """Each Param of every profile names its reference (description is optional)."""

    def walk(node, path):  # noqa: ANN001, ANN202
        if isinstance(node, Param):
            assert node.reference, f"{path} has no reference"
        elif isinstance(node, BaseModel):
            for name in type(node).model_fields:
                walk(getattr(node, name), f"{path}.{name}")
        elif isinstance(node, list | tuple):
            for i, x in enumerate(node):
                walk(x, f"{path}[{i}]")
        elif isinstance(node, dict):
            for k, x in node.items():
                walk(x, f"{path}.{k}")

    for pid in available_profiles():
        walk(load_policy(pid), pid)


def test_exam_sections_and_specializations_follow_each_trainees_profile(db, tmp_path):
    _trainee(db, tmp_path, "ca-ppss", "CA1")
    _trainee(db, tmp_path, "calmhsa-pss-pc", "PC1")
    exams = write_csv(
        tmp_path / "e.csv",
        EXAM_COLUMNS,
        [["CA1", "2025-01-10", "A", "total", 90], ["PC1", "2025-01-10", "A", "culture", 90]],
    )
    with pytest.raises(ImportRejected) as exc:
        import_exam_results(exams, by="t", db=db)
    msgs = {(e.line, e.column): e.message for e in exc.value.errors}
    assert "not an exam section of CA1's profile (ca-ppss)" in msgs[(2, "section")]
    assert "use 'total' (one score for the whole exam)" in msgs[(3, "section")]
    hours = [["CA1", "2025-01-10", 8, "specialization", "parent-caregiver", "session", "yes", ""]]
    with pytest.raises(ImportRejected, match="ca-ppss\\); that profile declares no"):
        _hours(db, tmp_path, hours)
    ok = [["PC1", "2025-01-10", 8, "specialization", "parent-caregiver", "session", "yes", ""]]
    assert _hours(db, tmp_path, ok).written == 1


def test_facts_rows_get_the_same_checks_as_every_import(db, tmp_path):
    _trainee(db, tmp_path, "calmhsa-pss-pc", "T1")
    rows = [
        ["t1", "2025-01-10", "code-of-ethics", "yes", ""],
        ["T1", "2025-01-10", "x" * 65, "yes", ""],
        ["T1", "2025-01-11", "code-of-ethics", "yes", "n" * 2001],
    ]
    with pytest.raises(ImportRejected) as exc:
        _facts(db, tmp_path, rows)
    msgs = {(e.line, e.column): e.message for e in exc.value.errors}
    assert "did you mean 'T1'?" in msgs[(2, "trainee_id")]
    assert "longer than 64" in msgs[(3, "fact")]  # a row report, not a database error
    assert "longer than 2,000" in msgs[(4, "note")]
