"""Every profile's own YAML test cases (src/ppskit/policies/cases/<id>.yaml), run on
SQLite and PostgreSQL: a certifying body checks its rules without reading Python."""

from __future__ import annotations

from datetime import date, timedelta
from importlib.resources import files
from pathlib import Path

import pytest
import yaml
from conftest import write_csv

from ppskit.facts import FACT_COLUMNS, import_facts
from ppskit.imports import import_exam_results, import_hours, import_trainees
from ppskit.ledger.certificates import certify, discipline, renew
from ppskit.policies import available_profiles, load_policy
from ppskit.records import EXAM_COLUMNS, HOURS_COLUMNS, TRAINEE_COLUMNS
from ppskit.status import compute_status

FAR = date(2100, 1, 1)  # "today" for imports: scenario dates may be in the future
PER_DAY = 8  # hour rows above this are spread over consecutive days


def _cases() -> list:
    out = []
    for pid in available_profiles():
        path = files("ppskit.policies").joinpath("cases", f"{pid}.yaml")
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert doc["profile"] == pid
        for case in doc["cases"]:
            out.append(pytest.param(pid, case, id=f"{pid}: {case['name']}"))
    return out


def test_every_profile_ships_cases():
    for pid in available_profiles():
        assert files("ppskit.policies").joinpath("cases", f"{pid}.yaml").is_file(), pid


def _d(v) -> str:  # noqa: ANN001
    return v.isoformat() if isinstance(v, date) else str(v)


def _hour_rows(tid: str, rows: list) -> list[list]:
    out = []
    for row in rows:
        day, hours, category, topic, *rest = row
        verified = rest[0] if rest else "yes"
        day = date.fromisoformat(_d(day))
        left = float(hours)
        while left > 1e-9:
            h = min(PER_DAY, left)
            out.append([tid, day.isoformat(), h, category, topic, "session", verified, ""])
            left -= h
            day += timedelta(days=1)
    return out


def _exam_rows(tid: str, rows: list, sections: list[str]) -> list[list]:
    out = []
    for row in rows:
        if isinstance(row[1], dict):  # [date, {section or "all": score}, form]
            day, scores, *rest = row
        else:  # [date, section, score, form]
            day, section, score, *rest = row
            scores = {section: score}
        form = rest[0] if rest else "A"
        every = {s: scores["all"] for s in sections} if "all" in scores else {}
        every.update({s: v for s, v in scores.items() if s != "all"})
        out += [[tid, _d(day), form, s, v] for s, v in every.items()]
    return out


def _load(db: str, tmp: Path, pid: str, case: dict) -> str:
    tid = "CASE-1"
    t = {"birth": "1980-01-01", "lived": "yes", "education": "high-school", "id": "yes"}
    t.update(case.get("trainee") or {})
    row = [tid, case["name"], _d(t["birth"]), t["lived"], t["education"], t["id"]]
    row += [t.get("employed", ""), pid]
    by = {"by": "case", "db": db}
    import_trainees(write_csv(tmp / "t.csv", TRAINEE_COLUMNS, [row]), today=FAR, **by)
    if case.get("facts"):
        rows = [[tid, _d(d), f, v, ""] for d, f, v in case["facts"]]
        import_facts(write_csv(tmp / "f.csv", FACT_COLUMNS, rows), today=FAR, **by)
    if case.get("hours"):
        rows = _hour_rows(tid, case["hours"])
        import_hours(write_csv(tmp / "h.csv", HOURS_COLUMNS, rows), today=FAR, **by)
    if case.get("exams"):
        rows = _exam_rows(tid, case["exams"], load_policy(pid).sections)
        import_exam_results(write_csv(tmp / "e.csv", EXAM_COLUMNS, rows), today=FAR, **by)
    for kind, day, *reason in case.get("certificates") or []:
        on = date.fromisoformat(_d(day))
        if kind == "issued":
            certify(tid, on=on, today=on, **by)
        elif kind == "renewed":
            renew(tid, on=on, today=on, **by)
        else:
            discipline(tid, kind, on=on, reason=reason[0] if reason else "case", today=on, **by)
    return tid


@pytest.mark.parametrize(("pid", "case"), _cases())
def test_profile_case(db, tmp_path, pid, case):
    tid = _load(db, tmp_path, pid, case)
    for exp in case["expect"]:
        on = date.fromisoformat(_d(exp["date"]))
        row = compute_status(as_of=on, trainee=tid, db=db).iloc[0].to_dict()
        where = f"{case['name']} on {on}"
        assert row["stage"] == exp["stage"], f"{where}: {row['next_action']}"
        for key in ("exam", "ce_hours", "core_hours", "expires_on", "stage_label"):
            if key in exp:
                assert str(row[key]) == _d(exp[key]), f"{where}: {key} = {row[key]}"
        if "next_action" in exp:
            assert exp["next_action"] in row["next_action"], where
