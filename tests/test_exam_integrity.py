"""Sittings held out of the tracker until reviewed, second hand-ins refused, malformed
answers graded as wrong answers (not cheating).

The first tests use the ledger only (SQLite and PostgreSQL); the rest share one fixture
course graded with real nbgrader and run in file order:

* ``flag`` and ``reject`` changed their notebook outside the answer boxes: held, then
  accepted (recorded by the next ``results``) or rejected (never recorded);
* ``pend`` wrote a scenario answer: held until the trainer grades it;
* ``again`` failed, then handed exam-A in again all right: refused, the failure stays;
* ``typo`` typed ``answer_N = c``, ``"BC"`` and ``3``: wrong answers with a note.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from fixtures.exam.support import add_trainees, make_course
from typer.testing import CliRunner

from ppskit.ledger.sittings import append_event, open_holds, sitting_history, sitting_states

AT = datetime(2026, 11, 20, 15, 4, 0, 123456, tzinfo=UTC)


# ------------------------------------------------------------------- ledger only


def test_a_sitting_is_held_once_and_its_latest_event_is_its_state(db: str) -> None:
    add_trainees(db, ["T1", "T2"])
    naive = AT.replace(tzinfo=None)  # nbgrader's gradebook time: naive UTC
    assert append_event("T1", "exam-A", "A", naive, "held-pending", by="trainer", db=db)
    # A second `results` run on the same sitting writes nothing new.
    assert not append_event(
        "T1", "exam-A", "A", AT, "held-pending", by="trainer", unless=("held-pending",), db=db
    )
    append_event("T2", "exam-A", "A", AT, "held-flagged", by="trainer", db=db)
    holds = open_holds(db=db)
    assert dict(zip(holds["trainee_id"], holds["what"], strict=True)) == {
        "T1": "awaiting manual grading",
        "T2": "flagged, awaiting review",
    }
    append_event("T2", "exam-A", "A", AT, "rejected", by="Ana", reason="copied", db=db)
    states = sitting_states(db=db).set_index("trainee_id")
    assert states.loc["T2", "state"] == "rejected" and states.loc["T2", "reviewed"] == "rejected"
    assert list(open_holds(db=db)["trainee_id"]) == ["T1"]
    history = sitting_history("T2", "exam-A", db=db)
    assert [(e.event, e.recorded_by, e.reason) for e in history] == [
        ("held-flagged", "trainer", ""),
        ("rejected", "Ana", "copied"),
    ]
    assert history[0].handed_in_at == AT  # the same sitting, however the time came in
    # Holds as of a day before they were recorded: none.
    assert open_holds(db=db, as_of=history[0].recorded_at.date() - timedelta(days=1)).empty


def test_status_lists_held_sittings_after_the_pinned_columns(db: str) -> None:
    from ppskit.status_output import format_status, status_frame

    add_trainees(db, ["T1", "T2"])
    append_event("T1", "exam-A", "A", AT, "held-flagged", by="trainer", db=db)
    df = status_frame(db=db)
    assert list(df.columns)[-2:] == ["exam_holds", "supervision"]
    holds = dict(zip(df["trainee_id"], df["exam_holds"], strict=True))
    assert holds == {
        "T1": "exam-A (form A, handed in 2026-11-20): flagged, awaiting review",
        "T2": "",
    }
    assert "T1: exam-A (form A, handed in 2026-11-20): flagged" in format_status(df)
    assert json.loads(format_status(df, "json"))[0]["exam_holds"].endswith("awaiting review")


def test_review_is_refused_without_a_flagged_sitting_or_a_reason(db: str, tmp_path) -> None:  # noqa: ANN001
    from ppskit.exam.course import Course
    from ppskit.exam.review import ReviewRefused, review_sitting

    add_trainees(db, ["T1"])
    course = Course(tmp_path)
    with pytest.raises(ReviewRefused, match="no sitting of exam-A by T1"):
        review_sitting("T1", "exam-A", accept=True, reason="ok", by="Ana", course=course, db=db)
    append_event("T1", "exam-A", "A", AT, "recorded", by="trainer", db=db)
    with pytest.raises(ReviewRefused, match="is not flagged for review: its scores are recorded"):
        review_sitting("T1", "exam-A", accept=False, reason="x", by="Ana", course=course, db=db)
    with pytest.raises(ReviewRefused, match="--reason"):
        review_sitting("T1", "exam-A", accept=True, reason=" ", by="Ana", course=course, db=db)


# --------------------------------------------------------------- with nbgrader


def _md5(path) -> str:  # noqa: ANN001
    return hashlib.md5(path.read_bytes()).hexdigest()  # noqa: S324


def _with_answers(nb: dict, typed: dict[str, str]) -> dict:
    """``typed`` maps item id -> the text after ``answer_N = `` exactly as typed."""
    for cell in nb["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        item = gid.removesuffix("-answer")
        if gid.endswith("-answer") and item in typed:
            src = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            cell["source"] = re.sub(r"= .*$", lambda _m, t=typed[item]: f"= {t}", src, flags=re.M)
    return nb


def _with_added_cell(nb: dict) -> dict:
    nb["cells"].insert(
        2,
        {"cell_type": "code", "execution_count": None, "id": "mine", "metadata": {},
         "outputs": [], "source": "print('added by the trainee')"},
    )  # fmt: skip
    return nb


def _stage(cohort, trainee: str) -> str:  # noqa: ANN001
    from ppskit.status import compute_status

    return compute_status(db=cohort.db).set_index("trainee_id").loc[trainee, "stage"]


def _holds(cohort) -> dict[str, str]:  # noqa: ANN001
    from ppskit.status_output import status_frame

    df = status_frame(db=cohort.db)
    return {t: h for t, h in zip(df["trainee_id"], df["exam_holds"], strict=True) if h}


def _recorded(cohort) -> set[str]:  # noqa: ANN001
    from ppskit.ledger.api import exam_results_frame

    return set(exam_results_frame(db=cohort.db)["trainee_id"])


def _events(cohort, trainee: str) -> list[str]:  # noqa: ANN001
    return [e.event for e in sitting_history(trainee, "exam-A", db=cohort.db)]


def _results(cohort, **kw) -> dict:  # noqa: ANN001, ANN003
    from ppskit.exam.results import record_results

    out = record_results(cohort.course, db=cohort.db, recorded_by="trainer", **kw)
    return {s.trainee_id: s for s in out}


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):  # noqa: ANN001, ANN201
    from ppskit.exam.bank import load_bank
    from ppskit.exam.build import build
    from ppskit.exam.grade import grade
    from ppskit.exam.simulate import fill, load_release, submit

    root = tmp_path_factory.mktemp("integrity") / "course"
    course = make_course(root)
    db = f"sqlite:///{root.parent / 'ppskit.db'}"
    build(course)
    bank = load_bank(course.assessments)
    add_trainees(db, ["flag", "reject", "pend", "again", "typo"])
    rel = load_release(course, "exam-A")
    mc = [i["id"] for i in rel["metadata"]["ppskit"]["items"] if i["type"] == "mc"]
    keys = {i: bank.item(i).key for i in mc}
    wrong = {i: "ABCD"[("ABCD".index(k) + 1) % 4] for i, k in keys.items()}
    at = datetime.now(UTC) - timedelta(days=3)
    written = {"crisis-safety-as1": "I stay with the family and follow the safety plan."}
    submit(course, "flag", "exam-A", _with_added_cell(fill(rel, keys, {})), at=at)
    submit(course, "reject", "exam-A", _with_added_cell(fill(rel, keys, {})), at=at)
    submit(course, "pend", "exam-A", fill(rel, keys, written), at=at)
    submit(course, "again", "exam-A", fill(rel, wrong, {}), at=at)
    typos = dict(zip(mc[:3], ["c", '"BC"', "3"], strict=True))
    submit(course, "typo", "exam-A", _with_answers(fill(rel, keys, {}), typos), at=at)
    report = grade(course, workers=2, db=db)
    return SimpleNamespace(
        course=course, root=root, db=db, rel=rel, keys=keys, typos=typos, report=report,
        first=_results(SimpleNamespace(course=course, db=db)), at=at,
    )  # fmt: skip


@pytest.mark.slow
def test_flagged_and_pending_sittings_are_held_and_shown_in_status(cohort) -> None:  # noqa: ANN001
    assert {o.trainee: o.status for o in cohort.report.outcomes} == dict.fromkeys(
        ["again", "flag", "pend", "reject", "typo"], "graded"
    )
    first = cohort.first
    assert first["flag"].status == first["reject"].status == "flagged"
    assert "ppskit exam review flag exam-A" in first["flag"].message
    assert first["pend"].status == "pending"
    assert _recorded(cohort) == {"again", "typo"}  # nothing of the held ones
    assert _stage(cohort, "flag") == _stage(cohort, "pend") == "exam-ready"
    holds = _holds(cohort)
    assert set(holds) == {"flag", "reject", "pend"}
    assert holds["flag"].endswith("flagged, awaiting review")
    assert holds["pend"].endswith("awaiting manual grading")
    # Held once, however often `results` runs.
    again = _results(cohort)
    assert again["flag"].status == "flagged" and again["pend"].status == "pending"
    assert _events(cohort, "flag") == ["held-flagged"]
    assert _events(cohort, "pend") == ["held-pending"]
    from ppskit.cli import app

    out = CliRunner().invoke(app, ["status", "--db", cohort.db])
    assert out.exit_code == 0, out.output
    assert "Exam sittings held out of the tracker:" in out.output
    assert "pend: exam-A (form A, handed in" in out.output


@pytest.mark.slow
def test_a_flagged_sitting_gets_no_feedback_page_before_review(cohort) -> None:  # noqa: ANN001
    from ppskit.exam.feedback import generate_feedback

    out = {o.trainee: o for o in generate_feedback(cohort.course, trainees=["flag"], db=cohort.db)}
    assert out["flag"].status == "held" and "ppskit exam review" in out["flag"].message
    assert not cohort.course.folder("feedback", "exam-A", "flag").exists()


@pytest.mark.slow
def test_dashboard_counts_and_lists_held_sittings(cohort) -> None:  # noqa: ANN001
    from ppskit.reports.dashboard import holds_html
    from ppskit.reports.data import exam_holds, load_snapshot

    holds = exam_holds(load_snapshot(db=cohort.db))
    assert list(holds["trainee_id"]) == ["flag", "reject", "pend"]  # flagged ones first
    page = holds_html(holds)
    assert "2 flagged, awaiting review; 1 awaiting manual grading" in page
    assert "Trainee pend" in page and "exam-A (form A" in page


@pytest.mark.slow
def test_accepted_sitting_is_recorded_by_the_next_results_run(cohort) -> None:  # noqa: ANN001
    from ppskit.cli import app

    out = CliRunner().invoke(
        app,
        ["exam", "review", "flag", "exam-A", "--accept", "--reason", "added a print only",
         "--by", "Ana Ruiz", "--course", str(cohort.root), "--db", cohort.db],
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "a code cell was added; it was not run" in out.output  # what was flagged
    assert "Run `ppskit exam results`" in out.output
    assert "flag" not in _recorded(cohort)  # nothing recorded until `results` runs
    done = _results(cohort, trainees=["flag"])
    assert done["flag"].status == "recorded" and done["flag"].written == 4
    assert _stage(cohort, "flag") != "exam-ready"
    assert "flag" not in _holds(cohort)
    events = sitting_history("flag", "exam-A", db=cohort.db)
    assert [e.event for e in events] == ["held-flagged", "accepted", "recorded"]
    assert (events[1].recorded_by, events[1].reason) == ("Ana Ruiz", "added a print only")
    again = CliRunner().invoke(
        app,
        ["exam", "review", "flag", "exam-A", "--reject", "--reason", "x", "--by", "Ana",
         "--course", str(cohort.root), "--db", cohort.db],
    )  # fmt: skip
    assert again.exit_code == 1 and "not flagged for review" in again.output


@pytest.mark.slow
def test_rejected_sitting_stays_out_for_good(cohort) -> None:  # noqa: ANN001
    from ppskit.exam.review import review_sitting

    outcome = review_sitting(
        "reject", "exam-A", accept=False, reason="code added to the exam", by="Ana",
        course=cohort.course, db=cohort.db,
    )  # fmt: skip
    assert outcome.decision == "rejected" and "stay out of the tracker for good" in outcome.message
    for _ in range(2):
        s = _results(cohort, trainees=["reject"])["reject"]
        assert s.status == "rejected" and "code added to the exam" in s.message
    assert "reject" not in _recorded(cohort)
    assert "reject" not in _holds(cohort)
    assert _stage(cohort, "reject") == "exam-ready"
    assert _events(cohort, "reject") == ["held-flagged", "rejected"]


@pytest.mark.slow
def test_second_hand_in_after_a_recorded_failure_is_refused(cohort) -> None:  # noqa: ANN001
    from ppskit.exam.grade import grade
    from ppskit.exam.results import score_frame
    from ppskit.exam.simulate import fill, submit

    def scores() -> dict:
        df = score_frame(cohort.course, ["exam-A"])
        df = df[df["trainee_id"] == "again"]
        return dict(zip(df["item_id"], df["score"], strict=True))

    assert cohort.first["again"].status == "recorded"
    stage = _stage(cohort, "again")
    assert stage == "retake-open"
    graded = cohort.course.notebook("autograded", "exam-A", "again")
    before, before_scores = _md5(graded), scores()
    later = cohort.at + timedelta(days=1)
    submit(cohort.course, "again", "exam-A", fill(cohort.rel, cohort.keys, {}), at=later)
    for force in (False, True):
        report = grade(cohort.course, trainees=["again"], force=force, db=cohort.db)
        (o,) = report.outcomes
        assert o.status == "refused"
        assert f"again handed in exam-A again on {later:%Y-%m-%d %H:%M} UTC" in o.message
        assert "is recorded and stays" in o.message and "ppskit exam retake again" in o.message
    from ppskit.cli import app

    out = CliRunner().invoke(
        app, ["exam", "grade", "--course", str(cohort.root), "--db", cohort.db, "exam-A",
              "--trainee", "again"],
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "REFUSED again handed in exam-A again on" in out.output
    assert _md5(graded) == before and scores() == before_scores  # the first sitting stays
    assert _results(cohort, trainees=["again"])["again"].status == "already recorded"
    assert _stage(cohort, "again") == stage
    assert _events(cohort, "again") == ["recorded", "refused"]  # refused once


@pytest.mark.slow
def test_malformed_answers_are_wrong_with_a_note_not_flagged(cohort) -> None:  # noqa: ANN001
    from nbgrader.api import SubmittedNotebook

    from ppskit.exam.course import gradebook
    from ppskit.exam.results import score_frame

    (o,) = [o for o in cohort.report.outcomes if o.trainee == "typo"]
    assert o.tampered == []
    assert {f["kind"] for f in o.flags} == {"malformed"}
    details = " ".join(f["detail"] for f in o.flags)
    for typed in cohort.typos.values():
        assert "the answer typed was `answer_" in details and f"= {typed}`" in details
    df = score_frame(cohort.course, ["exam-A"])
    df = df[df["trainee_id"] == "typo"]
    got = dict(zip(df["item_id"], df["score"], strict=True))
    assert all(got[i] == 0 for i in cohort.typos)  # graded as wrong answers
    assert all(got[i] == 1 for i in cohort.keys if i not in cohort.typos)
    with gradebook(cohort.course) as gb:
        flagged = {
            n.student.id for n in gb.db.query(SubmittedNotebook).filter(SubmittedNotebook.flagged)
        }
    assert "typo" not in flagged
    s = cohort.first["typo"]
    assert s.status == "recorded" and not s.tampered
    assert any("= c`" in n for n in s.notes)  # the trainer's note says what was typed
    nb = json.loads(cohort.course.notebook("autograded", "exam-A", "typo").read_text())
    assert "were graded as wrong" in "".join(nb["cells"][0]["source"])
    from ppskit.cli import app

    out = CliRunner().invoke(
        app, ["exam", "results", "--course", str(cohort.root), "--db", cohort.db, "exam-A",
              "--trainee", "typo"],
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "note: question 1 (answer box): the answer typed was `answer_1 = c`" in out.output
    assert "FLAGGED" not in out.output and "already recorded" in out.output


@pytest.mark.slow
def test_feedback_follows_the_review(cohort) -> None:  # noqa: ANN001
    from ppskit.exam.feedback import generate_feedback

    # By now "flag" was accepted and "reject" rejected (the tests above, in file order).
    out = {
        o.trainee: o
        for o in generate_feedback(cohort.course, trainees=["flag", "reject"], db=cohort.db)
    }
    assert out["flag"].status == "written", out["flag"].message
    assert out["reject"].status == "held" and "rejected" in out["reject"].message
