"""A trainee's feedback page shows section results, never question-level scores.

With real nbgrader on the small fixture bank: one trainee answers every question of two
sections wrong, is graded, and ``ppskit exam feedback`` writes their page. The default
(``feedback: sections``) shows the section table, pass/fail in words, what happens next
and what to study; a profile set to ``items`` gets nbgrader's question-by-question page.
The pure page text is tested without nbgrader too.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from fixtures.exam.support import add_trainees, make_course

from ppskit.exam import feedback
from ppskit.exam.bank import load_bank
from ppskit.exam.build import build
from ppskit.exam.grade import grade
from ppskit.exam.integrity import html_text
from ppskit.exam.results import SectionScore, Sitting, group_sections
from ppskit.exam.simulate import fill, load_release, submit
from ppskit.exam.standard_setting import CutFile, SectionCut, write_cut_files
from ppskit.framework import load_framework
from ppskit.policies import load_policy

CA = load_policy("ca-ppss")  # four sections of three domains; retake of failed sections
WHOLE = load_policy("ga-cps-p")  # whole-exam retakes within a series of days
WEAK = ("culture-", "self-care-")  # the trainee answers these domains' questions wrong


def _items(policy):  # noqa: ANN001, ANN202
    """The profile with item-level feedback (what a test's monkeypatch hands out)."""
    rules = policy.exam_rules.model_copy(update={"feedback": "items"})
    return policy.model_copy(update={"exam_rules": rules})


@pytest.fixture(scope="module")
def sat(tmp_path_factory):  # noqa: ANN001, ANN201
    root = tmp_path_factory.mktemp("feedback") / "course"
    course = make_course(root)
    db = f"sqlite:///{root.parent / 'ppskit.db'}"
    build(course)
    bank = load_bank(course.assessments)
    add_trainees(db, ["mixed"])
    rel = load_release(course, "exam-A")
    keys = {i["id"]: bank.item(i["id"]).key for i in rel["metadata"]["ppskit"]["items"]
            if i["type"] == "mc"}  # fmt: skip
    answers = {
        i: ("ABCD"[("ABCD".index(k) + 1) % 4] if i.startswith(WEAK) else k) for i, k in keys.items()
    }
    at = datetime.now(UTC) - timedelta(days=1)
    submit(course, "mixed", "exam-A", fill(rel, answers, {}), at=at)
    submit(course, "stranger", "exam-A", fill(rel, answers, {}), at=at)  # not in the tracker
    report = grade(course, workers=1, timeout=300)
    assert all(o.status == "graded" for o in report.outcomes), report.outcomes
    return SimpleNamespace(course=course, db=db, bank=bank, root=root)


def _page(sat, trainee: str = "mixed") -> str:  # noqa: ANN001
    """The page's visible text and its HTML source."""
    return html_text(sat.course.folder("feedback", "exam-A", trainee) / "exam.html")


def _visible(sat, trainee: str = "mixed") -> str:  # noqa: ANN001
    """The page's visible text only (words, as a browser shows them)."""
    raw = (sat.course.folder("feedback", "exam-A", trainee) / "exam.html").read_text()
    raw = re.sub(r"(?is)<(style|script)\b.*?</\1>", " ", raw)
    return html.unescape(re.sub(r"<[^>]+>", " ", raw))


def test_default_page_shows_sections_and_no_question_scores(sat) -> None:  # noqa: ANN001
    outcomes = {o.trainee: o for o in feedback.generate_feedback(sat.course, db=sat.db)}
    assert outcomes["mixed"].status == "written", outcomes["mixed"].message
    text, words = _page(sat), _visible(sat)
    for section in CA.sections:
        assert CA.section_label(section) in words
    # Two sections hold the weak domains; the other two passed. Said in words.
    assert words.count("Not yet passed") == 2
    assert len(re.findall(r"\bPassed\b", words)) == 2
    assert "You retake only the sections not yet passed" in words
    assert f"within {CA.exam_rules.retake.window_days.at()} days" in text
    # The study pointers name the weak domains, by their framework names.
    fw = load_framework()
    assert fw.domain("culture").name in text and fw.domain("self-care").name in text
    # Nothing item-level: no per-question scores, answers, check lines or item ids.
    assert "Your answer to question" not in text
    assert "Test cell" not in text and words.count("(Score:") == 1  # the sitting's total
    assert not re.search(r"\bquestion \d+", text, re.I)
    assert not any(item.id in text for item in sat.bank.items)
    assert "answer_1" not in text
    # The page still went through the leak scan, and a trainee not in the tracker gets
    # no page at all (never the item view by default), with a reason to act on.
    assert outcomes["stranger"].status == "failed"
    assert "no trainee 'stranger' in the tracker" in outcomes["stranger"].message
    assert not (sat.course.folder("feedback", "exam-A", "stranger") / "exam.html").exists()


def _cut_file_a(sat, share: float) -> CutFile:  # noqa: ANN001
    """A cut file for form A of the fixture bank: every domain's cut at ``share``."""
    bp = sat.bank.blueprint
    sections = {}
    for d in bp.section_order:
        points = bp.section_points(d)
        items = len(sat.bank.form_items("A", [d]))
        cut = round(points * share, 4)
        sections[d] = SectionCut(
            items=items, points=points, cut_points=cut, cut_pct=round(100 * cut / points, 2),
            se_points=0.0, se_pct=0.0,
        )  # fmt: skip
    total_points = sum(s.points for s in sections.values())
    total_cut = sum(s.cut_points for s in sections.values())
    return CutFile(
        form="A", method="modified-angoff", judges=8, round=1, study_date=date(2026, 10, 1),
        source="ratings.csv", sections=sections,
        total=SectionCut(
            items=sum(s.items for s in sections.values()), points=total_points,
            cut_points=round(total_cut, 4), cut_pct=round(100 * total_cut / total_points, 2),
            se_points=0.0, se_pct=0.0,
        ),
    )  # fmt: skip


def test_the_form_cut_is_the_mark_on_the_page(sat) -> None:  # noqa: ANN001
    # A hard form: its cut is 60%, under the profile's pass mark.
    written = write_cut_files([_cut_file_a(sat, 0.6)], sat.course.assessments / "cuts")
    try:
        outcomes = feedback.generate_feedback(sat.course, trainees=["mixed"], db=sat.db)
        assert outcomes[0].status == "written", outcomes[0].message
        words = _visible(sat)
        # Every section is judged against the form's cut: Engaging families (4 of 6
        # points) fails the profile's pass mark but passes this form's cut.
        assert "Engaging families 4 of 6 66.7%" in " ".join(words.split())
        assert 100 * 4 / 6 < CA.exam_rules.pass_pct.at()
        assert words.count("60%") == len(CA.sections)
        assert words.count("Not yet passed") == 1
        assert len(re.findall(r"\bPassed\b", words)) == 3
        assert "retake only the sections not yet passed: Safety and well-being." in words
    finally:
        for path in written:
            path.unlink()


def test_results_record_the_form_cut_and_status_follows(sat) -> None:  # noqa: ANN001
    from ppskit.exam.results import record_results
    from ppskit.status import compute_status

    folder = sat.course.assessments / "cuts"
    (written,) = write_cut_files([_cut_file_a(sat, 0.6)], folder)
    try:
        (s,) = [x for x in record_results(sat.course, db=sat.db) if x.trainee_id == "mixed"]
        assert s.status == "recorded", s.message
        assert {r["cut_pct"] for r in s.rows()} == {60.0}
        row = compute_status(db=sat.db).set_index("trainee_id").loc["mixed"]
        # Under the pass mark both weak sections would be retaken; against the form's
        # cut only Safety and well-being is.
        assert row["stage"] == "retake-open"
        assert row["failed_sections"] == "safety-and-wellbeing"
        # A broken cut file stops the sitting with the file and the problem, in words.
        written.write_text(written.read_text().replace("cut_pct: 60.0", "cut_pct: 160.0", 1))
        (s,) = [x for x in record_results(sat.course, db=sat.db) if x.trainee_id == "mixed"]
        assert s.status == "not recorded"
        assert "A.yaml" in s.message and "standard-setting" in s.message
    finally:
        written.unlink()


def test_items_profile_keeps_the_question_view(sat, monkeypatch) -> None:  # noqa: ANN001
    real = feedback.trainee_policy
    monkeypatch.setattr(
        feedback, "trainee_policy", lambda tid, db=None: _items(real(tid, db) or CA)
    )
    outcomes = feedback.generate_feedback(sat.course, trainees=["mixed"], db=sat.db)
    assert outcomes[0].status == "written", outcomes[0].message
    text = _page(sat)
    assert "Your answer to question 1 is" in text
    assert "Needed to pass" not in text
    assert "AssertionError" not in text  # CleanFeedback still ran


# ----------------------------------------------------------------------------- the text


def _sitting(policy, pct: dict[str, float], *, pending: str = "") -> Sitting:  # noqa: ANN001
    domains = [
        SectionScore(d, 10 * pct.get(d, 100) / 100, 10, [f"{d}-as1"] if d == pending else [])
        for d in load_framework().domain_ids
    ]
    s = Sitting("T1", "exam-B", "B", "full", date(2026, 11, 2), [], domains=domains)
    s.pass_pct = float(policy.exam_rules.pass_pct.at())
    s.sections = group_sections(domains, policy)
    return s


def test_failed_sections_page_names_the_retake_and_its_date() -> None:
    s = _sitting(CA, {"culture": 0})
    text = feedback.render_summary(s, CA)
    days = CA.exam_rules.retake.window_days.at()
    assert "| Engaging families | 20 of 30 |" in text and "| Not yet passed |" in text
    assert f"by {(s.date + timedelta(days=days)).isoformat()}" in text
    assert "You retake only the sections not yet passed: Engaging families." in text
    assert f"- **Engaging families**: {load_framework().domain('culture').name}" in text


def test_cut_and_whole_exam_and_pending_wording() -> None:
    s = _sitting(WHOLE, {"culture": 50}, pending="self-care")
    s.cuts = {"total": 60.0}
    text = feedback.render_summary(s, WHOLE)
    assert "| 60% | Waiting for marking |" in text  # the cut, and no verdict yet
    assert "still being marked" in text and "Not yet passed" not in text
    s = _sitting(WHOLE, {d: 50 for d in load_framework().domain_ids})
    s.cuts = {"total": 60.0}
    text = feedback.render_summary(s, WHOLE)
    assert "| 50% | 60% | Not yet passed |" in text
    assert "the whole exam" in text
    assert f"within {WHOLE.exam_rules.retake.series_days.at()} days of the first" in text
    s = _sitting(CA, {})
    text = feedback.render_summary(s, CA)
    assert "You passed every section" in text and "What to study" not in text
