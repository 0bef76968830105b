"""`ppskit exam` commands.

``record`` (tracker import) lives here beside the nbgrader pipeline commands; every
command is a thin shell over one library function, imported when the command runs.
"""

from __future__ import annotations

from pathlib import Path

import typer

from ppskit.cli.common import DbOption

app = typer.Typer(
    help="Exams: record results, build, deliver, collect, grade, retakes, item analysis.",
    no_args_is_help=True,
)


@app.command("record")
def record(
    file: Path = typer.Argument(..., help="CSV: trainee_id,date,form,section,score_pct"),
    by: str = typer.Option("trainer", "--by", help="Who is recording these results."),
    correct: bool = typer.Option(
        False, "--correct", help="The rows correct scores already recorded (needs --reason)."
    ),
    reason: str | None = typer.Option(
        None, "--reason", help="Why the recorded scores change (kept with each correction)."
    ),
    errors: Path | None = typer.Option(
        None,
        "--errors",
        help="Write every problem found to this CSV (file,line,column,message); "
        "the report on screen shows the first 100.",
    ),
    db: DbOption = None,
) -> None:
    """Record exam section scores from a CSV file (all rows or none).

    A sitting's section already recorded is refused; to change it, record the file
    with --correct --reason TEXT (the latest score then counts).
    """
    from ppskit.cli.common import fail, guarded
    from ppskit.imports import import_exam_results

    if correct and not (reason or "").strip():
        fail("--correct needs --reason TEXT saying why the recorded scores change.")
    if reason is not None and not correct:
        fail("--reason is only used with --correct (to correct scores already recorded).")
    outcome = guarded(
        import_exam_results,
        file,
        by=by,
        db=db,
        correction_reason=reason if correct else None,
        errors_file=errors,
    )
    typer.echo(f"{file}: {outcome.summary('corrections' if correct else 'rows')}")


# --- nbgrader pipeline commands (build, grade, results, retake, feedback, analyze) below ---


CourseOption = typer.Option(
    None, "--course", help="Course directory (default: the one holding nbgrader_config.py)."
)
AssignmentsArg = typer.Argument(
    None, help="Assignments, e.g. exam-A or retake-t001-1 (default: all)."
)
TraineeOption = typer.Option(None, "--trainee", help="Only this trainee (repeatable).")


def _course(path: Path | None):  # noqa: ANN202
    from ppskit.cli.common import fail
    from ppskit.exam.course import Course

    try:
        return Course.find(path)
    except FileNotFoundError as exc:
        fail(str(exc))


@app.command("build")
def build(course: Path = CourseOption) -> None:
    """Build the exam forms from the item bank: source/ and, through nbgrader, release/."""
    from ppskit.cli.common import fail
    from ppskit.exam.bank import BankError
    from ppskit.exam.build import BuildError
    from ppskit.exam.build import build as run_build

    try:
        report = run_build(_course(course))
    except BankError as exc:
        fail("The item bank has problems:\n" + "\n".join(f"  {p}" for p in exc.problems))
    except BuildError as exc:
        fail(str(exc))
    changed = ", ".join(report.changed) or "none (same bank, same files)"
    typer.echo(f"Built {', '.join(report.assignments)} from {report.items} items.")
    typer.echo(f"Changed: {changed}. Trainee copies are in release/.")


@app.command("grade")
def grade(
    assignments: list[str] = AssignmentsArg,
    trainee: list[str] = TraineeOption,
    workers: int = typer.Option(None, "--workers", help="Parallel workers (default: 2 per core)."),
    force: bool = typer.Option(False, "--force", help="Grade again what is already graded."),
    timeout: float = typer.Option(600, "--timeout", help="Most seconds for one submission."),
    db: DbOption = None,
    course: Path = CourseOption,
) -> None:
    """Autograde submissions with nbgrader, in parallel across cores."""
    from ppskit.cli.common import fail
    from ppskit.exam.grade import GradeError, find_submissions
    from ppskit.exam.grade import grade as run_grade

    where = _course(course)
    total = len(find_submissions(where, assignments or None, trainee or None))
    if not total:
        fail("No submissions found under submitted/<trainee>/<assignment>/exam.ipynb.")
    with typer.progressbar(length=total, label="Grading", file=None) as bar:
        try:
            report = run_grade(
                where,
                assignments=assignments or None,
                trainees=trainee or None,
                workers=workers,
                force=force,
                timeout=timeout,
                on_progress=lambda _o: bar.update(1),
                db=db,
            )
        except GradeError as exc:
            fail(str(exc))
    typer.echo(
        f"Graded {report.count('graded')}, already graded {report.count('skipped')}, "
        f"problems {len(report.problems)} — {report.seconds:.1f} s with {report.workers} workers."
    )
    for o in report.problems:
        typer.secho(f"  {o.trainee} {o.assignment}: {o.status}: {o.message}", fg="red", err=True)
    for o in report.refused:
        typer.secho(f"  REFUSED {o.message}", fg="yellow")
    for o in report.flagged:
        typer.secho(
            f"  FLAGGED {o.trainee} {o.assignment}: changed outside its answer boxes; graded "
            "from the original (flagged in the formgrader):",
            fg="yellow",
        )
        for f in o.tampered:
            typer.echo(f"      - {f['detail']}")
    if report.kept_manual:
        typer.echo(f"Kept {report.kept_manual} manual grades given in the formgrader.")
    for o in report.to_review:
        typer.secho(
            f"  {o.trainee} {o.assignment}: answer changed since it was marked by hand: "
            f"{', '.join(o.review)} — grade it again in the formgrader.",
            fg="yellow",
        )
    if report.problems:
        raise typer.Exit(1)


@app.command("results")
def results(
    assignments: list[str] = AssignmentsArg,
    trainee: list[str] = TraineeOption,
    on: str = typer.Option(None, "--date", help="Sitting date, YYYY-MM-DD (default: hand-in)."),
    by: str = typer.Option("trainer", "--by", help="Who is recording these results."),
    csv: Path = typer.Option(None, "--csv", help="Also write the section scores to this CSV."),
    db: DbOption = None,
    course: Path = CourseOption,
) -> None:
    """Section scores per trainee; record complete sittings in the tracker."""
    from ppskit.cli.common import parse_day
    from ppskit.exam.results import record_results, sittings_frame

    sittings = record_results(
        _course(course),
        assignments=assignments or None,
        trainees=trainee or None,
        on=parse_day(on, "--date"),
        recorded_by=by,
        db=db,
    )
    if not sittings:
        typer.echo("No graded submissions yet: run `ppskit exam grade` first.")
        return
    for s in sittings:
        head = f"{s.trainee_id}  {s.assignment} (form {s.form}, {s.date or 'no date'})"
        typer.secho(head + ("  FLAGGED" if s.tampered else ""), bold=True)
        for sec in s.sections:
            if sec.pending:
                verdict = "waiting for manual grading"
            elif (passed := s.passed(sec)) is not None:
                # Against the form's standard-setting cut when it has one.
                verdict = f"{'pass' if passed else 'FAIL'} (mark {s.mark(sec.section):g}%)"
            else:
                verdict = ""
            typer.echo(f"    {sec.section:<22} {sec.pct:6.1f}%  {verdict}")
        for text in s.notes:
            typer.echo(f"    note: {text}")
        note = f"{s.status}" + (f": {s.message}" if s.message else "")
        if s.written:
            note += f" ({s.written} rows)"
        typer.echo(f"    -> {note}")
    if csv:
        from ppskit.reports.safe_export import write_csv

        write_csv(sittings_frame(sittings), csv)
        typer.echo(f"Section scores written to {csv}.")


@app.command("review")
def review(
    trainee_id: str = typer.Argument(..., help="Trainee id."),
    assignment: str = typer.Argument(..., help="The flagged sitting's assignment, e.g. exam-A."),
    accept: bool = typer.Option(False, "--accept", help="Accept it: `results` then records it."),
    reject: bool = typer.Option(False, "--reject", help="Reject it: it never counts."),
    reason: str = typer.Option(..., "--reason", help="Why (kept in the ledger)."),
    by: str = typer.Option(..., "--by", help="Who is reviewing (kept in the ledger)."),
    db: DbOption = None,
    course: Path = CourseOption,
) -> None:
    """Accept or reject a flagged sitting (changed outside its answer boxes)."""
    from ppskit.cli.common import fail
    from ppskit.exam.review import ReviewRefused, review_sitting

    if accept == reject:
        fail("Say what you decide: --accept or --reject (one of them).")
    try:
        outcome = review_sitting(
            trainee_id, assignment, accept=accept, reason=reason, by=by,
            course=_course(course), db=db,
        )  # fmt: skip
    except ReviewRefused as exc:
        fail(str(exc))
    typer.echo(f"What was flagged in {trainee_id}'s {assignment}:")
    for text in outcome.findings or ["(the graded notebook lists no findings any more)"]:
        typer.echo(f"  - {text}")
    typer.echo(outcome.message)


@app.command("blueprint")
def blueprint(
    check: bool = typer.Option(
        True, "--check/--no-check", help="Exit 1 when one sitting misses the targets."
    ),
    profile: str = typer.Option("ca-ppss", "--profile", help="Profile whose scoring rule applies."),
    course: Path = CourseOption,
) -> None:
    """How reliably one sitting decides: P(pass) at true p = 0.85 and 0.55 (exact binomial)."""
    from ppskit.cli.common import fail
    from ppskit.exam.bank import BankError, load_blueprint
    from ppskit.exam.decision import decision_report, plans_for
    from ppskit.policies import load_policy

    try:
        bp = load_blueprint(_course(course).assessments / "blueprint.yaml")
        policy = load_policy(profile)
    except (BankError, KeyError) as exc:
        fail(str(exc))
    report = decision_report(plans_for(bp, policy))
    typer.echo(f"Blueprint under the {profile} profile ({policy.name}).")
    typer.echo(report.text())
    if check and not report.meets_targets:
        raise typer.Exit(1)


@app.command("lint")
def lint(
    course: Path = CourseOption,
    only: list[str] = typer.Option(None, "--only", help="Only these bank sections (repeatable)."),
    min_options: int = typer.Option(
        10, "--min-options", help="A phrase in this many options is a possible cue."
    ),
    seeds: Path = typer.Option(None, "--seeds", help="Folder of the seed texts."),
) -> None:
    """Check that no key can be guessed from the wording and every item cites a sentence."""
    from ppskit.cli.common import fail
    from ppskit.exam.bank import BankError, load_bank
    from ppskit.exam.lint import lint_bank

    where = _course(course)
    seeds = seeds or where.root.parent / "shared" / "seeds"
    try:
        # Linting some sections need not wait for the whole bank to fill the blueprint.
        bank = load_bank(where.assessments, check_counts=not only)
    except BankError as exc:
        fail(str(exc))
    report = lint_bank(bank, seeds, sections=only or None, min_options=min_options)
    typer.echo(report.summary())
    if report.problems:
        raise typer.Exit(1)


def _say_delivered(d) -> None:  # noqa: ANN001
    """Tell the trainer where a delivered sitting is and how long the trainee has."""
    limit = (
        f"{d.time_limit_minutes} minutes"
        + (f" (with {d.extra_time_pct:g}% extra time)" if d.extra_time_pct else "")
        if d.time_limit_minutes is not None
        else "no time limit (the profile sets none)"
    )
    verb = "Delivered" if d.changed else "Already delivered (unchanged)"
    typer.echo(f"{verb}: {d.assignment} to {d.trainee_id} (Unix user {d.unix_user}); {limit}.")
    typer.echo(
        f"Only {d.unix_user} can see it: they fetch it in JupyterLab's Assignments tab "
        f"(or `nbgrader fetch_assignment {d.assignment}`). Exchange copy: {d.outbound}"
    )


@app.command("retake")
def retake(
    trainee_id: str = typer.Argument(..., help="Trainee id."),
    db: DbOption = None,
    course: Path = CourseOption,
) -> None:
    """Prepare a partial retake (failed sections, unseen form); deliver it to that trainee."""
    from ppskit.cli.common import fail
    from ppskit.exam.retake import RetakeNotDelivered, RetakeRefused, prepare_and_deliver_retake

    try:
        plan, delivery = prepare_and_deliver_retake(trainee_id, _course(course), db=db)
    except RetakeRefused as exc:
        fail(str(exc))
    except RetakeNotDelivered as exc:
        fail(
            f"Prepared {exc.plan.assignment}, but it could not be delivered: {exc}\n"
            f"When that is fixed, run `ppskit exam deliver {trainee_id} --assignment "
            f"{exc.plan.assignment}`."
        )
    verb = "Prepared" if plan.created else "Already prepared (unchanged)"
    typer.echo(
        f"{verb}: {plan.assignment} — form {plan.form}, sitting {plan.sitting} of "
        f"{plan.max_sittings}, sections: {', '.join(plan.sections)}."
    )
    _say_delivered(delivery)
    typer.echo(f"It must be handed in by {plan.retake_by}.")


@app.command("deliver")
def deliver(
    trainee_id: str = typer.Argument(..., help="Trainee id."),
    form: str = typer.Option(None, "--form", help="A full sitting on this form, e.g. A."),
    assignment: str = typer.Option(
        None, "--assignment", help="A prepared retake, e.g. retake-T1-1 (instead of --form)."
    ),
    db: DbOption = None,
    course: Path = CourseOption,
) -> None:
    """Deliver a sitting to one trainee's own exchange: only they can list and fetch it."""
    from ppskit.cli.common import fail
    from ppskit.db import LedgerNotFound
    from ppskit.exam.delivery import DeliveryError
    from ppskit.exam.delivery import deliver as run_deliver

    try:
        delivery = run_deliver(_course(course), trainee_id, form=form, assignment=assignment, db=db)
    except (DeliveryError, LedgerNotFound) as exc:
        fail(str(exc))
    _say_delivered(delivery)


@app.command("collect")
def collect(course: Path = CourseOption) -> None:
    """Collect every trainee's hand-ins from their exchanges into submitted/."""
    from ppskit.exam.delivery import collect as run_collect

    report = run_collect(_course(course))
    new = report.count("collected") + report.count("updated")
    typer.echo(
        f"Collected {new} hand-ins ({report.count('updated')} replacing an ungraded earlier "
        f"one); {report.count('unchanged')} already collected."
    )
    for h in report.kept_aside:
        typer.secho(
            f"  KEPT ASIDE {h.trainee_id} {h.assignment} (handed in {h.timestamp}): the "
            f"sitting was already graded, so the graded hand-in stays. The new one is in "
            f"{h.path}; decide with the trainee what happens to it.",
            fg="yellow",
        )
    refused = [h for h in report.handins if h.status == "refused"]
    for h in refused:
        typer.secho(f"  NOT COLLECTED {h.trainee_id} {h.assignment}: {h.message}", fg="red")
    for p in report.problems:
        typer.secho(f"  {p}", fg="red", err=True)
    if refused or report.problems:
        raise typer.Exit(1)


@app.command("accommodate")
def accommodate(
    trainee_id: str = typer.Argument(..., help="Trainee id."),
    extra_time: float = typer.Option(
        ..., "--extra-time", help="Extra time in percent of the standard time (0 withdraws it)."
    ),
    reason: str = typer.Option(..., "--reason", help="Why the extra time is granted."),
    by: str = typer.Option(..., "--by", help="Who grants it."),
    on: str = typer.Option(None, "--on", help="From this day, YYYY-MM-DD (default: today)."),
    db: DbOption = None,
) -> None:
    """Record extra exam time for a trainee; sittings delivered from that day honour it."""
    from ppskit.cli.common import fail, guarded, parse_day
    from ppskit.ledger.accommodations import AccommodationRefused, record_accommodation

    try:
        acc = guarded(
            record_accommodation,
            trainee_id,
            extra_time_pct=extra_time,
            reason=reason,
            by=by,
            on=parse_day(on, "--on"),
            db=db,
        )
    except AccommodationRefused as exc:
        fail(str(exc))
    typer.echo(
        f"Recorded: {acc.trainee_id} has {acc.extra_time_pct:g}% extra exam time from "
        f"{acc.granted_on} ({acc.reason}; granted by {acc.recorded_by})."
    )
    typer.echo(
        "Sittings delivered from that day get the longer time; a sitting already "
        f"delivered keeps its time until delivered again (ppskit exam deliver {acc.trainee_id})."
    )


@app.command("feedback")
def feedback(
    assignments: list[str] = AssignmentsArg,
    trainee: list[str] = TraineeOption,
    include_pending: bool = typer.Option(
        False, "--include-pending", help="Also for sittings waiting for manual grading."
    ),
    db: DbOption = None,
    course: Path = CourseOption,
) -> None:
    """Feedback pages for trainees: section results, or every question when the
    trainee's profile says `feedback: items` (never keys or tests)."""
    from ppskit.exam.feedback import generate_feedback

    outcomes = generate_feedback(
        _course(course),
        assignments=assignments or None,
        trainees=trainee or None,
        include_pending=include_pending,
        db=db,
    )
    written = [o for o in outcomes if o.status == "written"]
    typer.echo(f"Feedback written for {len(written)} of {len(outcomes)} graded sittings.")
    for o in outcomes:
        if o.status != "written":
            typer.echo(f"  {o.trainee} {o.assignment}: {o.status}: {o.message}")
    if any(o.status == "failed" for o in outcomes):
        raise typer.Exit(1)


def _num(value: object, spec: str) -> str:
    """A figure for the screen; "n/a" where the data could not give one."""
    try:
        return "n/a" if value is None or value != value else format(value, spec)
    except (TypeError, ValueError):
        return "n/a"


@app.command("analyze")
def analyze(
    assignments: list[str] = AssignmentsArg,
    out: Path = typer.Option(
        None,
        "--out",
        help="Folder for items.csv, sections.csv, distractors.csv, excluded.csv, items.png.",
    ),
    course: Path = CourseOption,
) -> None:
    """Item analysis across a cohort: difficulty, discrimination, distractors, KR-20 and
    decision consistency at the pass mark; CSV files and a chart."""
    from ppskit.exam.analyze import analyze as run_analyze

    result = run_analyze(_course(course), out=out, assignments=assignments or None)
    if result.items.empty and result.excluded.empty:
        typer.echo("No graded full sittings to analyse yet: run `ppskit exam grade` first.")
    if not result.excluded.empty:
        typer.echo(f"Left out {len(result.excluded)} sittings:")
        for row in result.excluded.itertuples():
            typer.echo(f"  {row.trainee_id} {row.assignment}: {row.reason}")
    for warning in result.warnings:
        typer.secho(f"Warning: {warning}", fg="yellow")
    typer.echo(
        f"{len(result.items)} items analysed, {len(result.flagged)} flagged; "
        f"{len(result.flagged_options)} answer options flagged (see distractors.csv)."
    )
    for row in result.flagged.itertuples():
        typer.echo(f"  {row.item_id:<28} p={row.p:.2f}  r_pb={row.r_pb:.2f}  {row.flags}")
    if not result.sections.empty:
        typer.echo(
            "Reliability and decision consistency at the pass mark "
            "(p0: same pass/fail decision on a second sitting):"
        )
        for row in result.sections.itertuples():
            typer.echo(
                f"  form {row.form} {row.section:<24} n={row.n:<4} "
                f"KR-20={_num(row.kr20, '.2f')}  cut {_num(row.cut_pct, 'g')}%  "
                f"passed {_num(row.pass_rate, '.0%')}  p0={_num(row.p0, '.2f')}  "
                f"kappa={_num(row.kappa, '.2f')}"
            )
    typer.echo("Written: " + ", ".join(str(f) for f in result.files))


@app.command("standard-setting")
def standard_setting(
    ratings: Path = typer.Argument(..., help="CSV: judge,item_id,rating (optionally round)."),
    assessments: Path = typer.Option(
        None, "--assessments", help="Item bank folder (default: the course's assessments/)."
    ),
    on: str = typer.Option(None, "--date", help="Study date, YYYY-MM-DD (default: today)."),
    out: Path = typer.Option(
        None, "--out", help="Folder for the cut files (default: <assessments>/cuts)."
    ),
    sd_threshold: float = typer.Option(
        None,
        "--round-sd-threshold",
        help="List items whose ratings' SD across judges is above this (default 0.15).",
    ),
    report: Path = typer.Option(None, "--report", help="Also write the per-item table (CSV)."),
    course: Path = CourseOption,
) -> None:
    """Modified Angoff study: judges' ratings -> a cut per form and section (cuts/<FORM>.yaml)."""
    from ppskit.cli.common import fail, parse_day
    from ppskit.exam.bank import BankError
    from ppskit.exam.standard_setting import StandardSettingError, run_study, study_report
    from ppskit.imports import ImportRejected

    where = assessments if assessments is not None else _course(course).assessments
    try:
        study = run_study(
            ratings,
            where,
            out=out,
            study_date=parse_day(on, "--date"),
            report=report,
            **({} if sd_threshold is None else {"sd_threshold": sd_threshold}),
        )
    except BankError as exc:
        fail("The item bank has problems:\n" + "\n".join(f"  {p}" for p in exc.problems))
    except ImportRejected as exc:
        fail(exc.report())
    except StandardSettingError as exc:
        fail(str(exc))
    typer.echo(study_report(study))
