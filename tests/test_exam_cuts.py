"""Standard-setting cuts per form decide pass/fail: the same raw score can pass on a
harder form and fail on an easier one, in the recorded rows and in the status."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from conftest import DOMAINS, EXAM_HEADER, SECTIONS, write_csv

from ppskit.exam.cuts import CutFileError, cut_file_path, form_cuts
from ppskit.exam.results import SectionScore, Sitting, group_sections, study_pointers
from ppskit.exam.standard_setting import CutFile, SectionCut, write_cut_files
from ppskit.policies import _profile_dir, load_policy, parse_policy

CA = load_policy("ca-ppss")  # four sections of three domains, pass mark from the YAML
TOTAL = load_policy("nff-cfps")  # one score for the whole exam
POINTS = 10  # points per domain on the synthetic forms


def _section(cut_pct: float, points: int = POINTS) -> SectionCut:
    cut_points = round(points * cut_pct / 100, 4)
    return SectionCut(
        items=points,
        points=points,
        cut_points=cut_points,
        cut_pct=round(100 * cut_points / points, 2),
        se_points=0.2,
        se_pct=round(100 * 0.2 / points, 2),
    )


def _cut_file(form: str, cut_pct: float | dict[str, float], domains=DOMAINS) -> CutFile:  # noqa: ANN001
    per = cut_pct if isinstance(cut_pct, dict) else dict.fromkeys(domains, cut_pct)
    sections = {d: _section(per[d]) for d in domains}
    cut = sum(s.cut_points for s in sections.values())
    points = sum(s.points for s in sections.values())
    return CutFile(
        form=form,
        method="modified-angoff",
        judges=8,
        round=2,
        study_date=date(2026, 10, 1),
        source="ratings.csv",
        sections=sections,
        total=SectionCut(
            items=points,
            points=points,
            cut_points=round(cut, 4),
            cut_pct=round(100 * cut / points, 2),
            se_points=0.5,
            se_pct=round(100 * 0.5 / points, 2),
        ),
    )


@pytest.fixture
def assessments(tmp_path: Path) -> Path:
    """Form A is hard (its cut is 60%), form B easy (80%); form C has no study."""
    folder = tmp_path / "assessments"
    write_cut_files([_cut_file("A", 60.0), _cut_file("B", 80.0)], folder / "cuts")
    return folder


def _mark() -> float:
    return float(CA.exam_rules.pass_pct.at())


def _sitting(form: str, pct: float, assessments: Path) -> Sitting:
    """A graded sitting of every domain at ``pct`` percent, judged by the CA profile."""
    got = POINTS * pct / 100
    domains = [SectionScore(d, got, POINTS) for d in DOMAINS]
    s = Sitting("T1", f"exam-{form}", form, "full", date(2026, 11, 2), [], domains=domains)
    s.pass_pct = _mark()
    s.sections = group_sections(domains, CA)
    found = form_cuts(assessments, form, CA, {x.section: x.max_score for x in s.sections})
    assert found.warning == ""
    s.cuts = found.cuts
    return s


# ----------------------------------------------------------------------------- reading


def test_grouped_sections_take_the_angoff_cut_of_their_domains(tmp_path: Path) -> None:
    folder = tmp_path / "assessments"
    per = {d: 50.0 + 2 * n for n, d in enumerate(DOMAINS)}  # every domain its own cut
    write_cut_files([_cut_file("A", per)], folder / "cuts")
    found = form_cuts(folder, "A", CA)
    assert sorted(found.cuts) == sorted(CA.sections)
    for section, members in CA.section_domains.items():
        # Equal points per domain: the section's cut is the mean of its domains' cuts.
        assert found.cut(section) == pytest.approx(
            sum(per[d] for d in members) / len(members), abs=0.005
        )
        assert found.points[section] == POINTS * len(members)


def test_per_domain_and_total_profiles(assessments: Path) -> None:
    data = yaml.safe_load(_profile_dir().joinpath("ca-ppss.yaml").read_text(encoding="utf-8"))
    data["exam_rules"]["sections"] = "framework"
    per_domain = parse_policy(yaml.safe_dump(data))
    assert form_cuts(assessments, "B", per_domain).cuts == dict.fromkeys(DOMAINS, 80.0)
    assert form_cuts(assessments, "A", TOTAL).cuts == {"total": 60.0}


def test_no_cut_file_means_the_profile_pass_mark(assessments: Path) -> None:
    found = form_cuts(assessments, "C", CA)
    assert found.cuts == {} and found.warning == ""
    s = _sitting("C", 70.0, assessments)
    assert all(s.mark(x.section) == _mark() for x in s.sections)
    assert all(r["cut_pct"] is None for r in s.rows())


def test_a_broken_cut_file_is_a_plain_error(assessments: Path) -> None:
    path = cut_file_path(assessments, "A")
    data = yaml.safe_load(path.read_text())
    data["sections"]["culture"]["cut_pct"] = 140
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(CutFileError) as err:
        form_cuts(assessments, "A", CA)
    message = str(err.value)
    assert "A.yaml" in message and "culture" in message
    assert "ppskit exam standard-setting" in message and "Traceback" not in message
    path.write_text("form: [A\n")
    with pytest.raises(CutFileError, match="not valid YAML"):
        form_cuts(assessments, "A", CA)


def test_a_cut_file_for_other_sections_is_ignored_with_a_warning(tmp_path: Path) -> None:
    folder = tmp_path / "assessments"
    write_cut_files([_cut_file("A", 60.0, domains=DOMAINS[:-1])], folder / "cuts")
    found = form_cuts(folder, "A", CA)
    assert found.cuts == {}
    assert DOMAINS[-1] in found.warning and "pass mark was used" in found.warning


def test_a_cut_file_for_another_version_of_the_form_is_ignored(assessments: Path) -> None:
    points = {s: 99 for s in CA.sections}  # the sitting's sections have other points
    found = form_cuts(assessments, "A", CA, points)
    assert found.cuts == {} and "form changed" in found.warning


# ----------------------------------------------------------------------------- judging


def test_the_same_score_passes_the_hard_form_and_fails_the_easy_one(assessments: Path) -> None:
    hard, easy = _sitting("A", 70.0, assessments), _sitting("B", 70.0, assessments)
    assert [hard.passed(x) for x in hard.sections] == [True] * len(CA.sections)
    assert [easy.passed(x) for x in easy.sections] == [False] * len(CA.sections)
    assert {r["cut_pct"] for r in hard.rows()} == {60.0}
    assert {r["cut_pct"] for r in easy.rows()} == {80.0}
    # Study pointers follow the cut too: every section of the easy form is to study.
    assert study_pointers(hard, CA) == {}
    assert sorted(study_pointers(easy, CA)) == sorted(CA.sections)


def test_status_follows_the_recorded_cut(ledger, assessments: Path) -> None:  # noqa: ANN001
    from ppskit.ledger.api import exam_results_frame, record_exam_results

    for tid in ("HARD", "EASY"):
        ledger.trainee(tid)
        ledger.full_training(tid, "2026-09-01")
    for tid, form in (("HARD", "A"), ("EASY", "B")):
        s = _sitting(form, 70.0, assessments)
        s.trainee_id = tid
        assert record_exam_results(s.rows(), recorded_by="trainer", db=ledger.url) == 4
    assert ledger.status("2026-11-03", "HARD")["stage"] == "certifiable"
    easy = ledger.status("2026-11-03", "EASY")
    assert easy["stage"] == "retake-open"
    assert set(easy["failed_sections"].split(";")) == set(CA.sections)
    # Recording the same sitting again changes nothing (the cut is part of the row).
    s = _sitting("B", 70.0, assessments)
    s.trainee_id = "EASY"
    assert record_exam_results(s.rows(), recorded_by="trainer", db=ledger.url) == 0
    assert len(exam_results_frame(db=ledger.url)) == 8


def test_reports_judge_each_sitting_by_its_recorded_cut(ledger, assessments: Path) -> None:  # noqa: ANN001
    from datetime import date

    from ppskit.ledger.api import record_exam_results
    from ppskit.reports.data import load_snapshot, section_pass_rates, trainee_report

    for tid, form in (("HARD", "A"), ("EASY", "B")):
        ledger.trainee(tid)
        ledger.full_training(tid, "2026-09-01")
        s = _sitting(form, 70.0, assessments)
        s.trainee_id = tid
        record_exam_results(s.rows(), recorded_by="trainer", db=ledger.url)
    snap = load_snapshot(as_of=date(2026, 11, 3), db=ledger.url)
    # The supervisor's report says what the status says: 70 % passes form A (cut 60)
    # and fails form B (cut 80) in every section.
    rates = section_pass_rates(snap).set_index("section")
    assert (rates.loc[CA.sections, "passed"] == 1).all()
    assert all(trainee_report(snap, "HARD").sittings["passed"])
    assert not any(trainee_report(snap, "EASY").sittings["passed"])


def test_a_changed_cut_is_only_recorded_as_a_correction(sqlite_ledger, tmp_path: Path) -> None:  # noqa: ANN001
    from ppskit.imports import ImportRejected
    from ppskit.ledger.api import record_exam_results

    sqlite_ledger.trainee("T1")
    rows = [
        {"trainee_id": "T1", "date": date(2026, 11, 2), "form": "A", "section": s,
         "score_pct": 70.0, "cut_pct": None}
        for s in SECTIONS
    ]  # fmt: skip
    assert record_exam_results(rows, recorded_by="trainer", db=sqlite_ledger.url) == 4
    later = [dict(r, cut_pct=75.0) for r in rows]
    with pytest.raises(ImportRejected) as err:
        record_exam_results(later, recorded_by="trainer", db=sqlite_ledger.url)
    assert "the form's cut of 75%" in err.value.report()
    written = record_exam_results(
        later, recorded_by="trainer", db=sqlite_ledger.url, correction_reason="cut set"
    )
    assert written == 4
    assert sqlite_ledger.status("2026-11-03")["stage"] != "certifiable"


def test_csv_import_may_add_a_cut_column(sqlite_ledger, tmp_path: Path) -> None:  # noqa: ANN001
    from ppskit.imports import ImportRejected, import_exam_results

    sqlite_ledger.trainee("T1")
    sqlite_ledger.full_training("T1", "2026-09-01")
    rows = [["T1", "2026-11-02", "A", s, 72, 75] for s in SECTIONS]
    path = write_csv(tmp_path / "cuts.csv", [*EXAM_HEADER, "cut_pct"], rows)
    assert import_exam_results(path, by="trainer", db=sqlite_ledger.url).written == 4
    # 72% passes the profile's pass mark but not the form's cut of 75%.
    assert 72 >= _mark()
    assert sqlite_ledger.status("2026-11-03")["stage"] == "retake-open"
    bad = write_csv(
        tmp_path / "bad.csv",
        [*EXAM_HEADER, "cut_pct"],
        [["T1", "2026-11-03", "A", SECTIONS[0], 90, "high"]],
    )
    with pytest.raises(ImportRejected) as err:
        import_exam_results(bad, by="trainer", db=sqlite_ledger.url)
    assert "'high' is not a percentage" in err.value.report()
