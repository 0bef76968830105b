"""``ppskit exam results``: section scores from nbgrader's gradebook into the tracker.

Every graded cell's ``grade_id`` is an item id; the sitting notebook's manifest
(``metadata.ppskit``) says which framework domain each item belongs to and which form
the sitting used. A domain's score is the sum of nbgrader's per-cell scores (a trainer's
manual score when there is one, else the autograder's) over its points; a section's is
the same sum over the items of the domains the trainee's profile puts in it (points
earned / points possible), so a section of three domains is one score. The per-domain
scores stay on the sitting for the trainee's study pointers.

A sitting's rows reach the tracker (``record_exam_results``, the same table
``ppskit exam record`` fills) only when every one of its cells is graded; otherwise the
sitting is reported as waiting for manual grading. Recording is idempotent: a row
identical to one already recorded is skipped, a changed score supersedes the old one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pandas as pd

from ppskit.exam.course import Course, parse_retake
from ppskit.exam.cuts import CutFileError, form_cuts
from ppskit.exam.grade import TAMPER_KINDS, read_flags
from ppskit.ledger.sittings import utc

SCORE_COLUMNS = [
    "assignment",
    "trainee_id",
    "timestamp",
    "item_id",
    "score",
    "max_score",
    "needs_manual_grade",
]


def score_frame(course: Course, assignments: list[str] | None = None) -> pd.DataFrame:
    """One row per graded cell of every submission in nbgrader's gradebook.

    ``score`` follows nbgrader: the manual score when a trainer gave one, else the
    autograder's, plus any extra credit; None while a cell waits for manual grading.
    """
    if not course.gradebook_path.exists():
        return pd.DataFrame(columns=SCORE_COLUMNS)
    from nbgrader.api import (
        Assignment,
        Grade,
        GradeCell,
        SubmittedAssignment,
        SubmittedNotebook,
    )

    from ppskit.exam.course import gradebook

    with gradebook(course) as gb:
        q = (
            gb.db.query(
                Assignment.name,
                SubmittedAssignment.student_id,
                SubmittedAssignment.timestamp,
                GradeCell.name,
                GradeCell.max_score,
                Grade.auto_score,
                Grade.manual_score,
                Grade.extra_credit,
                Grade.needs_manual_grade,
            )
            .select_from(Grade)
            .join(SubmittedNotebook, Grade.notebook_id == SubmittedNotebook.id)
            .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
            .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
            .join(GradeCell, Grade.cell_id == GradeCell.id)
        )
        if assignments:
            q = q.filter(Assignment.name.in_(assignments))
        rows = q.all()
    out = []
    for name, student, stamp, cell, max_score, auto, manual, extra, needs in rows:
        score = manual if manual is not None else auto
        if score is not None and extra:
            score += extra
        out.append((name, student, stamp, cell, score, float(max_score), bool(needs)))
    df = pd.DataFrame(out, columns=SCORE_COLUMNS)
    return df.sort_values(["assignment", "trainee_id", "item_id"], kind="stable").reset_index(
        drop=True
    )


def load_manifest(course: Course, assignment: str) -> dict:
    """The sitting's manifest: form, sections and items (source notebook, else release)."""
    for step in ("source", "release"):
        path = course.notebook(step, assignment)
        if path.exists():
            return json.loads(path.read_text(encoding="utf-8"))["metadata"]["ppskit"]
    raise FileNotFoundError(f"no notebook for {assignment} in source/ or release/")


@dataclass
class SectionScore:
    """One section of one sitting."""

    section: str
    score: float
    max_score: float
    pending: list[str] = field(default_factory=list)

    @property
    def pct(self) -> float:
        """Score as a percentage, two decimals."""
        return round(100.0 * self.score / self.max_score, 2) if self.max_score else 0.0


@dataclass
class Sitting:
    """One trainee's submission of one assignment, scored by section."""

    trainee_id: str
    assignment: str
    form: str
    kind: str  # full | retake
    date: date | None
    sections: list[SectionScore]
    flags: list[dict] = field(default_factory=list)
    graded: bool = True  # False: nbgrader has the submission but grading did not finish
    # recorded | already recorded | pending | flagged | rejected | refused | not graded |
    # not recorded
    status: str = ""
    message: str = ""
    written: int = 0
    pass_pct: float | None = None
    domains: list[SectionScore] = field(default_factory=list)  # per framework domain
    # The form's standard-setting cut per section (empty: the profile's pass mark).
    cuts: dict[str, float] = field(default_factory=dict)
    handed_in_at: datetime | None = None  # nbgrader's submission time (UTC): the sitting's key

    @property
    def pending(self) -> list[str]:
        """Items still waiting for a trainer's manual grade."""
        return [i for s in self.sections for i in s.pending]

    @property
    def tampered(self) -> bool:
        """The notebook was changed outside its answer boxes (see the grading report)."""
        return any(f["kind"] in TAMPER_KINDS for f in self.flags)

    def mark(self, section: str) -> float | None:
        """What a section must reach to pass: the form's cut, else the profile's mark."""
        cut = self.cuts.get(section)
        return cut if cut is not None else self.pass_pct

    def passed(self, section: SectionScore) -> bool | None:
        """Whether a section passed (None: not graded yet, or no profile known)."""
        mark = self.mark(section.section)
        if section.pending or mark is None:
            return None
        return section.pct >= mark - 1e-9

    @property
    def notes(self) -> list[str]:
        """Notes for the trainer that are not tampering (e.g. an answer that was not a
        letter A-D, graded as wrong, with what was typed)."""
        return [f["detail"] for f in self.flags if f["kind"] not in TAMPER_KINDS]

    def rows(self) -> list[dict]:
        """Rows for ``record_exam_results`` (``cut_pct``: the cut the score is judged
        against when the form has one, else None)."""
        return [
            {
                "trainee_id": self.trainee_id,
                "date": self.date,
                "form": self.form,
                "section": s.section,
                "score_pct": s.pct,
                "cut_pct": self.cuts.get(s.section),
            }
            for s in self.sections
        ]


def _domain(item: dict) -> str:
    # Manifests written before sections could group domains have no "domain" key: there
    # the section was the domain.
    return item.get("domain") or item["section"]


def _manifest_domains(man: dict) -> list[str]:
    seen: list[str] = []
    for item in man["items"]:
        if _domain(item) not in seen:
            seen.append(_domain(item))
    return seen


def _score(name: str, items: list[dict], by_item: dict) -> SectionScore:
    """Points earned over points possible for some items (pending: not graded yet)."""
    total = sum(float(i["points"]) for i in items)
    got, pending = 0.0, []
    for i in items:
        row = by_item.get(i["id"])
        if row is None or row.needs_manual_grade or pd.isna(row.score):
            pending.append(i["id"])
        else:
            got += float(row.score)
    return SectionScore(name, got, total, pending)


def group_sections(domains: list[SectionScore], policy) -> list[SectionScore]:  # noqa: ANN001
    """Per-domain scores summed into the profile's sections (those the sitting holds)."""
    out = []
    for section, members in policy.section_domains.items():
        parts = [d for d in domains if d.section in members]
        if parts:
            out.append(
                SectionScore(
                    section,
                    sum(d.score for d in parts),
                    sum(d.max_score for d in parts),
                    [i for d in parts for i in d.pending],
                )
            )
    return out


def study_pointers(sitting: Sitting, policy, *, count: int = 1) -> dict[str, list[str]]:  # noqa: ANN001
    """For each failed section of a graded sitting, the domain(s) within it where the
    trainee scored lowest (by percentage): what to study before the retake. Nothing
    item-level is given. A section is failed against the form's cut when the sitting
    has one (:attr:`Sitting.cuts`), else against the profile's pass mark."""
    default = sitting.pass_pct if sitting.pass_pct is not None else policy.exam.section_pass_pct
    out: dict[str, list[str]] = {}
    for sec in group_sections(sitting.domains, policy):
        mark = float(sitting.cuts.get(sec.section, default))
        if sec.pending or sec.pct >= mark - 1e-9:
            continue
        members = [d for d in sitting.domains if d.section in policy.section_domains[sec.section]]
        if len(members) < 2:
            out[sec.section] = [d.section for d in members]
            continue
        ranked = sorted(members, key=lambda d: d.pct)
        out[sec.section] = [d.section for d in ranked[:count]]
    return out


def _local_day(stamp: datetime | None) -> date | None:
    # nbgrader stores hand-in times as naive UTC; the sitting date is the trainer's day.
    if stamp is None or pd.isna(stamp):
        return None
    return pd.Timestamp(stamp).to_pydatetime().replace(tzinfo=UTC).astimezone().date()


def collect_sittings(
    course: Course,
    *,
    assignments: list[str] | None = None,
    trainees: list[str] | None = None,
    on: date | None = None,
) -> list[Sitting]:
    """Score every submission in the gradebook by section (nothing is written).

    ``on`` overrides the sitting date (otherwise the hand-in time, in local time).
    """
    scores = score_frame(course, assignments)
    if trainees:
        scores = scores[scores["trainee_id"].isin(trainees)]
    sittings = []
    manifests: dict[str, dict] = {}
    for (assignment, trainee), grp in scores.groupby(["assignment", "trainee_id"], sort=True):
        if assignment not in manifests:
            try:
                manifests[assignment] = load_manifest(course, assignment)
            except (FileNotFoundError, KeyError):
                manifests[assignment] = None  # not an exam built by ppskit
        if manifests[assignment] is None:
            continue
        man = manifests[assignment]
        by_item = {r.item_id: r for r in grp.itertuples()}
        domains = []
        for domain in _manifest_domains(man):
            items = [i for i in man["items"] if _domain(i) == domain]
            domains.append(_score(domain, items, by_item))
        # As the notebook showed them; record_results regroups by the trainee's profile.
        sections = [
            _score(section, [i for i in man["items"] if i["section"] == section], by_item)
            for section in man["sections"]
        ]
        retake = parse_retake(assignment)
        stamp = grp["timestamp"].iloc[0]
        sittings.append(
            Sitting(
                trainee_id=trainee,
                assignment=assignment,
                form=man["form"],
                kind="retake" if retake else "full",
                date=on or _local_day(stamp),
                sections=sections,
                domains=domains,
                flags=read_flags(course, trainee, assignment),
                graded=course.notebook("autograded", assignment, trainee).exists(),
                handed_in_at=None if stamp is None or pd.isna(stamp) else utc(stamp),
            )
        )
    return sittings


def apply_cuts(course: Course, sitting: Sitting, policy) -> str:  # noqa: ANN001
    """Set the sitting's cuts from its form's cut file (see :mod:`ppskit.exam.cuts`).

    Returns a warning when a cut file exists but does not fit the sitting (then the
    profile's pass mark holds); raises :class:`~ppskit.exam.cuts.CutFileError` for a
    cut file that cannot be read.
    """
    found = form_cuts(
        course.assessments,
        sitting.form,
        policy,
        {sec.section: sec.max_score for sec in sitting.sections},
    )
    sitting.cuts = found.cuts
    return found.warning


def _policies(db: str | None) -> dict:
    """Policy profile of every trainee in the tracker."""
    from ppskit.ledger.api import trainees_frame
    from ppskit.policies import load_policy

    frame = trainees_frame(db=db)
    return {row.trainee_id: load_policy(row.profile or None) for row in frame.itertuples()}


def _sitting_event(s: Sitting, event: str, *, by: str, db: str | None, reason: str = "") -> None:
    """Append ``event`` to the sitting's story, unless it is its state already (a held
    sitting is held once, not again on every run)."""
    from ppskit.ledger.sittings import append_event

    append_event(
        s.trainee_id, s.assignment, s.form, s.handed_in_at, event,
        by=by, reason=reason, unless=(event,), db=db,
    )  # fmt: skip


def _hold(s: Sitting, states: pd.DataFrame, *, by: str, db: str | None) -> bool:
    """Whether the sitting stays out of the tracker on this run: a second hand-in of a
    sitting already known, a sitting rejected on review, a flagged one not accepted yet,
    or one waiting for manual grading. Sets ``status`` and ``message`` and appends the
    sitting's event when its state changes."""
    from ppskit.exam.handins import earlier_sitting, refuse

    review = (
        f"`ppskit exam review {s.trainee_id} {s.assignment} --accept|--reject "
        "--reason TEXT --by NAME`"
    )
    if s.handed_in_at is None:
        # No hand-in time: nothing to tell sittings apart by, so no event can be kept.
        if s.tampered:
            s.status = "not recorded"
            s.message = (
                "flagged, and without a hand-in time in the submission it cannot be "
                "reviewed; collect it again with `nbgrader collect` and grade it"
            )
            return True
        if s.pending:
            s.status = "pending"
            s.message = (
                f"waiting for manual grading of {', '.join(s.pending)} in the formgrader; "
                "nothing recorded yet"
            )
        return bool(s.pending)
    own = None
    if not states.empty:
        mine = states[
            (states["trainee_id"] == s.trainee_id)
            & (states["assignment"] == s.assignment)
            & (states["handed_in_at"].map(lambda t: t == s.handed_in_at))
        ]
        own = mine.iloc[0] if len(mine) else None
    state = None if own is None else own["state"]
    earlier = earlier_sitting(states, s.trainee_id, s.assignment, s.handed_in_at)
    if state in (None, "refused") and earlier is not None:
        # nbgrader's gradebook holds a later hand-in (graded outside `ppskit exam grade`).
        s.status = "refused"
        s.message = refuse(
            s.trainee_id, s.assignment, s.handed_in_at, earlier, by=by, db=db
        ).message
        return True
    reviewed = "" if own is None else own["reviewed"]
    if reviewed == "rejected":
        s.status = "rejected"
        s.message = (
            f"rejected on review by {own['recorded_by']} on {own['recorded_at']:%Y-%m-%d} "
            f"({own['reason']}); it stays out of the tracker for good"
        )
        return True
    if s.tampered and reviewed != "accepted":
        _sitting_event(s, "held-flagged", by=by, db=db, reason="changed outside its answer boxes")
        s.status = "flagged"
        s.message = (
            "changed outside its answer boxes (see `ppskit exam grade`); held out of the "
            f"tracker until a trainer reviews it: {review}"
        )
        return True
    if s.pending:
        _sitting_event(s, "held-pending", by=by, db=db, reason=", ".join(s.pending))
        s.status = "pending"
        s.message = (
            f"waiting for manual grading of {', '.join(s.pending)} in the formgrader; "
            "nothing recorded yet"
        )
        return True
    return False


def record_results(
    course: Course | None = None,
    *,
    assignments: list[str] | None = None,
    trainees: list[str] | None = None,
    on: date | None = None,
    recorded_by: str = "nbgrader",
    db: str | None = None,
    today: date | None = None,
) -> list[Sitting]:
    """Score every graded sitting and record the complete ones in the tracker.

    Each sitting is recorded on its own (all its sections or none), so one problem
    (an unknown trainee, a retake handed in after its window) does not hold back the
    rest; each sitting's ``status`` and ``message`` say what happened. A sitting waiting
    for manual grading, or flagged and not yet accepted by ``ppskit exam review``, is
    held (its ``held-*`` event is kept in the ledger); a rejected sitting and a second
    hand-in of a known sitting are never recorded.
    """
    from ppskit.imports import ImportRejected
    from ppskit.ledger.api import record_exam_results
    from ppskit.ledger.sittings import sitting_states

    course = course or Course.find()
    sittings = collect_sittings(course, assignments=assignments, trainees=trainees, on=on)
    policies = _policies(db)
    known = sorted({s.trainee_id for s in sittings if s.trainee_id in policies})
    states = sitting_states(trainees=known, db=db)
    for s in sittings:
        policy = policies.get(s.trainee_id)
        cut_note = ""
        if policy is not None:
            s.pass_pct = policy.exam.section_pass_pct
            s.sections = group_sections(s.domains, policy)
            try:
                cut_note = apply_cuts(course, s, policy)
            except CutFileError as exc:
                s.status, s.message = "not recorded", str(exc)
                continue
        if not s.graded:
            s.status = "not graded"
            s.message = "grading did not finish; see the report of `ppskit exam grade`"
            continue
        if policy is None:
            s.status = "not recorded"
            s.message = (
                f"there is no trainee '{s.trainee_id}' in the tracker; register them "
                "(`ppskit trainees import`) and run `ppskit exam results` again"
            )
            continue
        if _hold(s, states, by=recorded_by, db=db):
            continue
        if s.date is None:
            s.status = "not recorded"
            s.message = "no hand-in time in the submission; give the sitting date with --date"
            continue
        if s.kind == "retake":
            man = load_manifest(course, s.assignment)
            by = man.get("retake_by")
            if by and s.date > date.fromisoformat(by):
                s.status = "not recorded"
                s.message = (
                    f"handed in on {s.date}, after the retake window closed on {by}; "
                    "a late retake does not count"
                )
                continue
        try:
            s.written = record_exam_results(
                s.rows(), recorded_by=recorded_by, source="nbgrader", db=db, today=today
            )
        except ImportRejected as exc:
            s.status = "not recorded"
            s.message = exc.report()
            continue
        s.status = "recorded" if s.written else "already recorded"
        s.message = cut_note
        if s.handed_in_at is not None:
            _sitting_event(s, "recorded", by=recorded_by, db=db)
    return sittings


def sittings_frame(sittings: list[Sitting]) -> pd.DataFrame:
    """One row per sitting and section, for printing or CSV export."""
    rows = []
    for s in sittings:
        for sec in s.sections:
            rows.append(
                {
                    "trainee_id": s.trainee_id,
                    "assignment": s.assignment,
                    "form": s.form,
                    "date": s.date,
                    "section": sec.section,
                    "score": sec.score,
                    "max_score": sec.max_score,
                    "score_pct": sec.pct,
                    "pass_mark": s.mark(sec.section),
                    "passed": s.passed(sec),
                    "pending": ", ".join(sec.pending),
                    "status": s.status,
                    "flagged": s.tampered,
                }
            )
    return pd.DataFrame(rows)
