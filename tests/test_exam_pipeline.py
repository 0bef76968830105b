"""End to end with real nbgrader, on the small fixture bank:

build -> simulated trainees (all right, all wrong, mixed, blank, tampered, broken, stuck)
-> grade in parallel -> results -> status -> manual grading of scenarios -> retake of the
failed sections only -> grade -> results -> status ``certifiable``; plus feedback, item
analysis, idempotent re-grading and the CLI.

The tests in this module share one course and run in file order.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from fixtures.exam.support import add_trainees, cells_by_id, make_course, tamper
from typer.testing import CliRunner

from ppskit.exam import grade as grade_module
from ppskit.exam.bank import load_bank
from ppskit.exam.build import build, release_assignment
from ppskit.exam.course import gradebook
from ppskit.exam.grade import grade
from ppskit.exam.integrity import scan_feedback, scan_release
from ppskit.exam.results import record_results, score_frame
from ppskit.exam.simulate import fill, load_release, submit
from ppskit.policies import load_policy

pytestmark = pytest.mark.slow

CA = load_policy("ca-ppss")  # the trainees' profile: four sections of three domains
TRAINEES = ["right", "wrong", "mixed", "blank", "tamper", "broken", "slow"]
WRITTEN = "I stay with the mother, follow the family's safety plan and call the crisis team."


def _md5s(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.md5(p.read_bytes()).hexdigest()  # noqa: S324
        for step in ("source", "release")
        for p in sorted((root / step).glob("*/*.ipynb"))
    }


def _warning_assignment(course) -> None:  # noqa: ANN001
    """A tiny hand-made assignment whose test cell makes libraries print warnings."""
    meta = {"grade": True, "grade_id": "noisy", "locked": True, "points": 1,
            "schema_version": 3, "solution": False, "task": False}  # fmt: skip
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": "noisy",
                "metadata": {"nbgrader": meta},
                "outputs": [],
                "source": (
                    "import logging, sys, warnings\n"
                    'warnings.warn("this option is deprecated", FutureWarning)\n'
                    'logging.getLogger("somelib").warning("cache is cold")\n'
                    'print("UserWarning: printed by a library", file=sys.stderr)\n'
                    "assert 1 + 1 == 2"
                ),
            }
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}
        },  # fmt: skip
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = course.notebook("source", "warn-check")
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(nb))
    release_assignment(course, "warn-check")


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):  # noqa: ANN001, ANN201
    root = tmp_path_factory.mktemp("exam") / "course"
    course = make_course(root)
    db = f"sqlite:///{root.parent / 'ppskit.db'}"
    first = build(course)
    md5_first = _md5s(root)
    second = build(course)
    bank = load_bank(course.assessments)
    add_trainees(db, [t for t in TRAINEES if t != "broken"])
    rel = load_release(course, "exam-A")
    mc = [i["id"] for i in rel["metadata"]["ppskit"]["items"] if i["type"] == "mc"]
    keys = {i: bank.item(i).key for i in mc}
    wrong = {i: "ABCD"[("ABCD".index(k) + 1) % 4] for i, k in keys.items()}
    mixed = {i: (wrong[i] if i.startswith(("culture-", "self-care-")) else k)
             for i, k in keys.items()}  # fmt: skip
    # Two wrong answers: culture-a1 (its test replaced by "pass") and advocacy-a1, which
    # comes after every attempt to disarm grading, so a disarmed helper would show.
    cheat = dict(keys, **{i: wrong[i] for i in ("culture-a1", "advocacy-a1")})
    at = datetime.now(UTC) - timedelta(days=2)
    submit(course, "right", "exam-A", fill(rel, keys, {"crisis-safety-as1": WRITTEN}), at=at)
    submit(course, "wrong", "exam-A", fill(rel, wrong, {}), at=at)
    submit(course, "mixed", "exam-A", fill(rel, mixed, {}), at=at)
    submit(course, "blank", "exam-A", rel, at=at)
    tampered = tamper(
        fill(rel, cheat, {}),
        edit_test="communication-a1",
        cheat_test="culture-a1",
        stuffed="culture-a2",
        as_markdown="communication-a2",
        delete_test="advocacy-a2",
    )
    submit(course, "tamper", "exam-A", tampered, at=at)
    submit(course, "broken", "exam-A", '{"cells": [ this is not a notebook', at=at)
    submit(course, "slow", "exam-A", fill(rel, keys, {}), at=at)
    _warning_assignment(course)
    submit(course, "warn", "warn-check", load_release(course, "warn-check"), at=at)

    real_grade_one = grade_module.grade_one

    def stuck_for_slow(course, trainee, assignment, **kw):  # noqa: ANN001, ANN202
        if trainee == "slow":
            time.sleep(600)  # a kernel that never answers
        return real_grade_one(course, trainee, assignment, **kw)

    progress = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(grade_module, "grade_one", stuck_for_slow)
        report = grade(course, workers=2, timeout=25, on_progress=progress.append)
    sittings = {s.trainee_id: s for s in record_results(course, db=db, recorded_by="trainer")}
    return SimpleNamespace(
        course=course, root=root, db=db, bank=bank, keys=keys, mixed=mixed, report=report,
        progress=progress, sittings=sittings, first=first, second=second, md5=md5_first,
        sat_on=at.astimezone().date(),
    )  # fmt: skip


def _outcome(cohort, trainee, assignment="exam-A"):  # noqa: ANN001, ANN202
    return next(
        o for o in cohort.report.outcomes if (o.trainee, o.assignment) == (trainee, assignment)
    )


def _cell_scores(cohort, trainee, assignment="exam-A") -> dict[str, float]:  # noqa: ANN001
    df = score_frame(cohort.course, [assignment])
    df = df[df["trainee_id"] == trainee]
    return dict(zip(df["item_id"], df["score"], strict=True))


def _pct(sitting) -> dict[str, float]:  # noqa: ANN001
    return {s.section: s.pct for s in sitting.sections}


def _status(cohort, trainee: str) -> str:  # noqa: ANN001
    from ppskit.status import compute_status

    frame = compute_status(db=cohort.db)
    return frame.set_index("trainee_id").loc[trainee, "stage"]


def _manual_grade(cohort, trainee: str, assignment: str, item: str, score: float) -> None:  # noqa: ANN001
    """What the formgrader's grade API does when a trainer types a score."""
    with gradebook(cohort.course) as gb:
        grade_row = gb.find_grade(item, "exam", assignment, trainee)
        grade_row.manual_score = score
        grade_row.extra_credit = None
        grade_row.needs_manual_grade = False
        gb.db.commit()


# ----------------------------------------------------------------------------- build


def test_build_is_deterministic_and_release_is_clean(cohort) -> None:  # noqa: ANN001
    assert cohort.first.assignments == ["exam-A", "exam-B", "exam-C"]
    assert cohort.second.changed == []
    after = {k: v for k, v in _md5s(cohort.root).items() if "warn-check" not in k}
    assert after == cohort.md5
    assert scan_release(cohort.root, cohort.bank) == []
    rel = load_release(cohort.course, "exam-A")
    text = json.dumps(rel)
    assert "BEGIN HIDDEN TESTS" not in text and "grade_answer(" not in text
    cells = cells_by_id(rel)
    assert "".join(cells["communication-a1"]["source"]) == 'check("answer_1")'
    assert "".join(cells["communication-a1-answer"]["source"]) == (
        '# Type one letter between the quotes: A, B, C or D.\nanswer_1 = "_"'
    )
    assert "Write your answer in the box above" in "".join(cells["crisis-safety-as1"]["source"])
    # Answering by clicking: every code cell's source is hidden, a written answer has its
    # box, and the review list comes before the ending.
    code = [c for c in rel["cells"] if c["cell_type"] == "code"]
    assert all(c["metadata"]["jupyter"]["source_hidden"] for c in code)
    assert "".join(cells["crisis-safety-as1-write"]["source"]).startswith("write_box(")
    assert "".join(cells["exam-review"]["source"]) == "review()"


# ----------------------------------------------------------------------------- grade


def test_grading_reports_failures_and_carries_on(cohort) -> None:  # noqa: ANN001
    report = cohort.report
    assert report.workers == 2
    assert len(cohort.progress) == len(TRAINEES) + 1  # every submission reported once
    assert _outcome(cohort, "broken").status == "failed"
    assert _outcome(cohort, "broken").message
    assert _outcome(cohort, "slow").status == "timeout"
    graded = {o.trainee for o in report.outcomes if o.status == "graded"}
    assert graded == {"right", "wrong", "mixed", "blank", "tamper", "warn"}


def test_each_trainee_is_graded_from_their_own_notebook(cohort) -> None:  # noqa: ANN001
    right, wrong = _cell_scores(cohort, "right"), _cell_scores(cohort, "wrong")
    assert all(right[i] == 1 for i in cohort.keys)
    assert all(wrong[i] == 0 for i in cohort.keys)
    for trainee in ("right", "wrong"):
        nb = json.loads(cohort.course.notebook("autograded", "exam-A", trainee).read_text())
        box = "".join(cells_by_id(nb)["culture-a1-answer"]["source"])
        key = cohort.keys["culture-a1"]
        assert (f'"{key}"' in box) == (trainee == "right")


def test_library_warnings_do_not_zero_a_test_cell(cohort) -> None:  # noqa: ANN001
    assert _cell_scores(cohort, "warn", "warn-check") == {"noisy": 1.0}


def test_tampered_submission_is_graded_from_source_and_flagged(cohort) -> None:  # noqa: ANN001
    outcome = _outcome(cohort, "tamper")
    kinds = {f["kind"] for f in outcome.tampered}
    assert {"edited-locked", "extra-code", "deleted", "changed-type"} <= kinds
    scores = _cell_scores(cohort, "tamper")
    assert scores["communication-a1"] == 1  # its edited check was restored and run
    assert scores["communication-a2"] == 1  # the markdown box became code: its answer only
    assert scores["culture-a1"] == 0  # "pass" in place of the test earns nothing
    assert scores["culture-a2"] == 1  # only the answer of the stuffed box was kept
    assert scores["advocacy-a1"] == 0  # grading was not disarmed
    assert scores["advocacy-a2"] == 1  # the deleted test was put back
    assert sum(scores[i] for i in cohort.keys) == len(cohort.keys) - 2
    from nbgrader.api import SubmittedNotebook

    with gradebook(cohort.course) as gb:
        flagged = {
            n.student.id for n in gb.db.query(SubmittedNotebook).filter(SubmittedNotebook.flagged)
        }
    assert flagged == {"tamper"}
    nb = json.loads(cohort.course.notebook("autograded", "exam-A", "tamper").read_text())
    assert "Note from the grader" in "".join(nb["cells"][0]["source"])
    assert cohort.sittings["tamper"].tampered
    # Held out of the tracker until `ppskit exam review` accepts it (test_exam_integrity).
    assert cohort.sittings["tamper"].status == "flagged"


# --------------------------------------------------------------------------- results


def test_results_give_section_scores_and_wait_for_manual_grading(cohort) -> None:  # noqa: ANN001
    s = cohort.sittings
    assert s["right"].status == "pending" and s["right"].pending == ["crisis-safety-as1"]
    # ca-ppss scores four sections of three domains: points earned over points possible.
    assert list(_pct(s["right"])) == CA.sections
    assert _pct(s["right"])["engaging-families"] == 100.0
    assert set(_pct(s["wrong"]).values()) == {0.0} and s["wrong"].status == "recorded"
    assert set(_pct(s["blank"]).values()) == {0.0}
    mixed = _pct(s["mixed"])
    # culture 0 of 2 with communication and telling-your-story right: 4 of 6 points.
    assert mixed["engaging-families"] == 66.67
    # crisis-safety 2 of 5 (the written answer was blank), trauma 2 of 2, self-care 0 of 2.
    assert mixed["safety-and-wellbeing"] == 44.44
    assert mixed["systems-and-resources"] == mixed["professional-practice"] == 100.0
    by_domain = {d.section: d.pct for d in s["mixed"].domains}
    assert by_domain["culture"] == by_domain["self-care"] == 0.0
    assert by_domain["crisis-safety"] == 40.0 and by_domain["communication"] == 100.0
    assert _pct(s["tamper"])["engaging-families"] == 83.33  # culture 1 of 2
    assert _pct(s["tamper"])["professional-practice"] == 83.33  # advocacy 1 of 2
    from ppskit.exam.results import study_pointers

    # Study pointers: the weakest domain of each failed section, nothing item-level.
    assert study_pointers(s["mixed"], CA) == {
        "engaging-families": ["culture"],
        "safety-and-wellbeing": ["self-care"],
    }
    assert s["broken"].status == "not graded"  # nbgrader had started on it
    assert "slow" not in s  # stopped before nbgrader saw it
    assert "warn" not in s  # not an exam built from the bank
    assert all(x.date == cohort.sat_on for x in s.values())
    from ppskit.ledger.api import exam_results_frame

    rows = exam_results_frame(db=cohort.db)
    # The tampered sitting is flagged: not recorded until reviewed.
    assert sorted(rows["trainee_id"].unique()) == ["blank", "mixed", "wrong"]
    assert set(rows["form"]) == {"A"} and len(rows) == 3 * len(CA.sections)


def test_manual_items_appear_in_the_formgrader_with_their_rubric(cohort) -> None:  # noqa: ANN001
    from nbgrader.apps.api import NbGraderAPI

    from ppskit.exam.course import coursedir

    api = NbGraderAPI(coursedir=coursedir(cohort.course))
    submissions = {s["student"]: s for s in api.get_notebook_submissions("exam-A", "exam")}
    assert submissions["right"]["needs_manual_grade"] is True
    assert submissions["wrong"]["needs_manual_grade"] is False
    assert submissions["tamper"]["flagged"] is True
    nb = json.loads(cohort.course.notebook("autograded", "exam-A", "right").read_text())
    text = "".join("".join(c["source"]) for c in nb["cells"])
    assert WRITTEN in text
    scenario = next(i for i in cohort.bank.form_items("A") if i.type == "scenario")
    assert scenario.rubric[0].criterion in text  # shown to the trainer under the answer


def test_status_after_the_first_sitting(cohort) -> None:  # noqa: ANN001
    assert _status(cohort, "mixed") == "retake-open"
    assert _status(cohort, "wrong") == "retake-open"
    assert _status(cohort, "right") == "exam-ready"  # its sitting is not recorded yet


def test_feedback_shows_no_tests_keys_or_rubrics(cohort) -> None:  # noqa: ANN001
    from ppskit.exam.feedback import generate_feedback

    outcomes = {
        (o.trainee, o.assignment): o for o in generate_feedback(cohort.course, db=cohort.db)
    }
    assert outcomes[("right", "exam-A")].status == "pending"
    assert outcomes[("wrong", "exam-A")].status == "written"
    # A flagged sitting gets its page only once a trainer accepts it on review.
    assert outcomes[("tamper", "exam-A")].status == "held"
    pages = sorted((cohort.root / "feedback").glob("*/*/*.html"))
    assert len(pages) == 4  # wrong, mixed, blank, warn
    assert scan_feedback(cohort.root, cohort.bank) == []
    page = cohort.course.folder("feedback", "exam-A", "mixed") / "exam.html"
    text = page.read_text()
    # The profile's default: section results, no question-level lines (see
    # tests/test_exam_feedback.py for both views).
    assert "Engaging families" in text and "Your answer to question" not in text
    assert "AssertionError" not in text and "not the keyed answer" not in text


def test_item_analysis_writes_csv_and_chart(cohort, tmp_path: Path) -> None:  # noqa: ANN001
    from ppskit.exam.analyze import analyze

    result = analyze(cohort.course, out=tmp_path)
    assert [f.name for f in result.files][:3] == ["items.csv", "sections.csv", "items.png"]
    assert all(f.stat().st_size > 0 for f in result.files)
    assert len(result.items) == len(cohort.bank.form_items("A"))
    assert set(result.items["form"]) == {"A"}
    assert len(result.sections) == len(CA.sections)  # one per scored section
    row = result.items.set_index("item_id").loc["culture-a1"]
    assert 0 <= row["p"] <= 1


def test_regrading_is_idempotent(cohort) -> None:  # noqa: ANN001
    before = {t: _cell_scores(cohort, t) for t in ("wrong", "mixed")}
    again = grade(cohort.course, trainees=["wrong", "mixed"], force=True)
    assert {o.status for o in again.outcomes} == {"graded"}
    assert {t: _cell_scores(cohort, t) for t in ("wrong", "mixed")} == before
    recorded = record_results(cohort.course, trainees=["wrong", "mixed"], db=cohort.db)
    assert {s.status for s in recorded} == {"already recorded"}
    assert sum(s.written for s in recorded) == 0
    skipped = grade(cohort.course, assignments=["exam-A"], trainees=["wrong", "blank"])
    assert {o.status for o in skipped.outcomes} == {"skipped"}


# ---------------------------------------------------------------------------- retake


def test_retake_is_refused_with_a_clear_reason(cohort) -> None:  # noqa: ANN001
    from ppskit.exam.retake import RetakeRefused, prepare_retake
    from ppskit.ledger.api import record_exam_results

    late = cohort.sat_on + timedelta(days=31)
    with pytest.raises(RetakeRefused, match="retake window closed"):
        prepare_retake("wrong", cohort.course, db=cohort.db, today=late)
    with pytest.raises(RetakeRefused, match="no exam sitting recorded yet"):
        prepare_retake("slow", cohort.course, db=cohort.db)
    add_trainees(cohort.db, ["limit"])
    start = date.today() - timedelta(days=25)
    rows = []
    for n, form in enumerate("ABC"):
        day = start + timedelta(days=10 * n)
        sections = CA.sections if n == 0 else ["engaging-families"]
        rows += [
            {"trainee_id": "limit", "date": day, "form": form, "section": s,
             "score_pct": 50.0 if s == "engaging-families" else 90.0}
            for s in sections
        ]  # fmt: skip
    record_exam_results(rows, recorded_by="trainer", db=cohort.db)
    with pytest.raises(RetakeRefused, match="all 3 sittings were used"):
        prepare_retake("limit", cohort.course, db=cohort.db)
    assert not any((cohort.root / "source").glob("retake-*"))


def test_manual_grades_flow_into_certifiable(cohort) -> None:  # noqa: ANN001
    _manual_grade(cohort, "right", "exam-A", "crisis-safety-as1", 3)
    recorded = {s.trainee_id: s for s in record_results(cohort.course, db=cohort.db)}
    assert recorded["right"].status == "recorded" and recorded["right"].written == 4
    assert _pct(recorded["right"])["safety-and-wellbeing"] == 100.0
    assert _status(cohort, "right") == "certifiable"


def test_retake_of_failed_sections_only_then_certifiable(cohort) -> None:  # noqa: ANN001
    from ppskit.exam.retake import prepare_retake
    from ppskit.ledger.api import exam_results_frame

    plan = prepare_retake("mixed", cohort.course, db=cohort.db)
    assert plan.assignment == "retake-mixed-1" and plan.form == "B"
    assert plan.sections == ["engaging-families", "safety-and-wellbeing"]
    assert plan.retake_by == cohort.sat_on + timedelta(days=30)
    again = prepare_retake("mixed", cohort.course, db=cohort.db)
    assert again.created is False  # same plan, same files
    rel = load_release(cohort.course, plan.assignment)
    man = rel["metadata"]["ppskit"]
    assert man["sections"] == plan.sections
    assert {i["section"] for i in man["items"]} == set(plan.sections)
    held = {d for s in plan.sections for d in CA.section_domains[s]}
    assert {i["domain"] for i in man["items"]} == held  # every domain of a failed section
    seen = {i["id"] for i in load_release(cohort.course, "exam-A")["metadata"]["ppskit"]["items"]}
    assert not seen & {i["id"] for i in man["items"]}  # nothing the trainee already saw
    assert all(cohort.bank.item(i["id"]).form == "B" for i in man["items"])
    assert scan_release(cohort.root, cohort.bank) == []
    keys = {i["id"]: cohort.bank.item(i["id"]).key for i in man["items"] if i["type"] == "mc"}
    submit(
        cohort.course,
        "mixed",
        plan.assignment,
        fill(rel, keys, {"crisis-safety-bs1": WRITTEN}),
        at=datetime.now(UTC) - timedelta(days=1),
    )
    report = grade(cohort.course, assignments=[plan.assignment])
    assert [o.status for o in report.outcomes] == ["graded"]
    pending = record_results(cohort.course, assignments=[plan.assignment], db=cohort.db)
    assert pending[0].status == "pending"
    _manual_grade(cohort, "mixed", plan.assignment, "crisis-safety-bs1", 2)
    done = record_results(cohort.course, assignments=[plan.assignment], db=cohort.db)
    assert done[0].status == "recorded" and done[0].written == 2
    # crisis-safety 4 of 5, trauma-informed-care and self-care 2 of 2 each: 8 of 9.
    assert _pct(done[0]) == {"engaging-families": 100.0, "safety-and-wellbeing": 88.89}
    rows = exam_results_frame(db=cohort.db)
    mine = rows[rows["trainee_id"] == "mixed"]
    assert len(mine[mine["form"] == "A"]) == 4  # the first sitting is kept whole
    assert sorted(mine[mine["form"] == "B"]["section"]) == sorted(plan.sections)
    assert _status(cohort, "mixed") == "certifiable"
    assert _cell_scores(cohort, "mixed")  # the first sitting's grades are still in nbgrader


# ------------------------------------------------------------------------------- CLI


def test_cli_commands(cohort) -> None:  # noqa: ANN001
    from ppskit.cli import app

    runner = CliRunner()
    course = ["--course", str(cohort.root)]
    out = runner.invoke(app, ["exam", "results", *course, "--db", cohort.db, "exam-A"])
    assert out.exit_code == 0, out.output
    assert "already recorded" in out.output and "FLAGGED" in out.output
    out = runner.invoke(app, ["exam", "retake", "right", *course, "--db", cohort.db])
    assert out.exit_code == 1 and "has passed every section" in out.output
    out = runner.invoke(app, ["exam", "grade", *course, "exam-A", "--trainee", "wrong"])
    assert out.exit_code == 0, out.output
    assert "already graded 1" in out.output
