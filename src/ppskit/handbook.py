"""The candidate handbook of a profile, generated from the profile itself.

Every number, date and rule on the page is read from the profile (and the exam content
outline and sample questions from the blueprint and retired items), so the handbook can
never disagree with the engine. Topics follow the guide seed 002 asks a certifying body
to publish; a topic the profile has no data for says so plainly instead of inventing it.
"""

from __future__ import annotations

from datetime import date
from html import escape
from pathlib import Path

from ppskit.framework import load_framework
from ppskit.policies import (
    EducationAccepted,
    FactHolds,
    HoursAtLeast,
    MinimumAge,
    Param,
    Policy,
    load_policy,
    load_policy_file,
)

CATEGORY_WORDS = {
    "core": "core training",
    "ce": "continuing education",
    "supervision": "supervision",
    "work": "paid or volunteer peer-support work",
    "specialization": "specialization training",
}


def _sentence(text: str) -> str:
    # Capitalise the first letter only: labels hold acronyms (GED, DMH, ID).
    return text[:1].upper() + text[1:]


def _n(x: float) -> str:
    return f"{float(x):,g}"


def _src(ref: str, unverified: bool = False) -> str:
    mark = ' <span class="unverified">(unverified)</span>' if unverified else ""
    return f' <span class="src">[{escape(ref)}]</span>{mark}' if ref else mark


def _p(param: Param, on: date) -> str:
    """A parameter's value in force on ``on``, with its source."""
    value = param.at(on)
    since = f" (since {param.since.isoformat()})" if param.since else ""
    text = ", ".join(map(str, value)) if isinstance(value, list) else _n(value)
    return f"{escape(text)}{since}{_src(param.reference, param.unverified)}"


def _rule(rule: object, on: date) -> str:
    """One requirement in plain words."""
    if isinstance(rule, MinimumAge):
        return f"At least {_p(rule.years, on)} years old."
    if isinstance(rule, EducationAccepted):
        return f"{_sentence(escape(rule.label))}: one of {_p(rule.accepted, on)}."
    if isinstance(rule, FactHolds):
        head = "" if rule.expect else "Not: "
        return f"{head}{_sentence(escape(rule.label))}.{_src(rule.reference, rule.unverified)}"
    if isinstance(rule, HoursAtLeast):
        text = f"At least {_p(rule.minimum, on)} {escape(rule.label)}"
        if rule.topic:
            text += f" (topic <code>{escape(rule.topic)}</code>)"
        if rule.lookback_days is not None:
            text += f", dated within {_p(rule.lookback_days, on)} days before the date checked"
        if rule.per_domain:
            text += ", with hours in every core competency domain"
        return text + "."
    raise TypeError(type(rule))


def _list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>" if items else ""


def _text(policy: Policy, key: str, fallback: str) -> str:
    t = policy.handbook.get(key)
    if t is None:
        return f"<p class='none'>{escape(fallback)}</p>"
    return f"<p>{escape(t.text)}{_src(t.reference, t.unverified)}</p>"


def _outline(policy: Policy) -> str:
    """Exam content outline: the profile's sections, from the blueprint for framework
    sections."""
    rules = policy.exam_rules
    if rules.sections == "total":
        bits = ["One overall score (section <code>total</code>)."]
        if rules.items:
            bits.append(f"{_p(rules.items, date.today())} items.")
        if rules.minutes:
            bits.append(f"{_p(rules.minutes, date.today())} minutes.")
        if rules.delivery:
            bits.append(escape(rules.delivery) + ".")
        return "<p>" + " ".join(bits) + "</p>"
    try:
        from ppskit.db import course_root
        from ppskit.exam.bank import load_blueprint

        bp = load_blueprint(course_root() / "assessments" / "blueprint.yaml")
    except Exception:  # noqa: BLE001 - outside a course directory: list the domains only
        bp = None
    fw = load_framework()
    rows = []
    # One row per scored section; a section grouping domains sums their blueprint lines.
    for sid, domains in policy.section_domains.items():
        name = escape(policy.section_label(sid))
        if len(domains) > 1:
            name += (
                " <span class='src'>("
                + escape(", ".join(fw.domain(d).name for d in domains))
                + ")</span>"
            )
        if bp and all(d in bp.sections for d in domains):
            mc = sum(bp.sections[d].mc for d in domains)
            sc = sum(bp.sections[d].scenario for d in domains)
            pts = sum(bp.section_points(d) for d in domains)
            rows.append(f"<tr><td>{name}</td><td>{mc}</td><td>{sc}</td><td>{pts}</td></tr>")
        else:
            rows.append(f"<tr><td>{name}</td><td></td><td></td><td></td></tr>")
    ref = (
        next((s for s in rules.sections.values()), None)
        if isinstance(rules.sections, dict)
        else None
    )
    note = f"<p>Sections of the exam.{_src(ref.reference, ref.unverified)}</p>" if ref else ""
    return (
        note + "<table><tr><th>Section</th><th>Multiple choice</th><th>Scenarios</th>"
        "<th>Points</th></tr>" + "".join(rows) + "</table>"
    )


def _samples() -> str:
    """Sample questions: items of retired forms (forms no longer in the blueprint)."""
    try:
        from ppskit.db import course_root
        from ppskit.exam.bank import load_bank

        bank = load_bank(course_root() / "assessments")
    except Exception:  # noqa: BLE001
        return "<p class='none'>No item bank found.</p>"
    live = set(bank.blueprint.forms)
    retired = [i for i in bank.items if i.form not in live and i.type == "mc"][:5]
    if not retired:
        return (
            "<p class='none'>No retired items yet: sample questions are published once a "
            "form is retired, so no live question is ever shown.</p>"
        )
    out = []
    for i in retired:
        opts = "".join(f"<li>{k}. {escape(v)}</li>" for k, v in i.options.items())
        out.append(f"<li>{escape(i.stem)}<ol class='opts'>{opts}</ol>Answer: {i.key}</li>")
    return "<ol>" + "".join(out) + "</ol>"


def _hours_counted() -> str:
    """The hours rule and what the kit's curriculum gives under it, from hours-rule.yaml
    and the measured content (the same sentences ``ppskit modules list`` prints)."""
    from ppskit.hours_rule import hours_totals, load_rule

    rule = load_rule()
    lines = hours_totals()
    idle = rule.active_time.idle_minutes
    body = [
        f"<p>{escape(rule.description)}{_src(rule.reading.words_per_minute.reference, True)}</p>",
        f"<p>{escape(lines[0])}</p>",
        _list([escape(x) for x in lines[1:]]),
        "<p>A trainer records each facilitated session (its hours and, for a core domain, "
        "the observed skill check scored on the guide's rubric) in the ledger. The "
        "notebook also records the active time a trainee spent in each module (a minute "
        f"counts when there was activity within {_n(idle.value)} minutes); the trainer "
        "sees it when verifying the module's hours. It is evidence beside the hours and "
        f"never credits hours.{_src(idle.reference, idle.unverified)}</p>",
    ]
    return "".join(body)


def handbook_html(policy: Policy, *, on: date | None = None) -> str:
    """The handbook of ``policy`` as one HTML page (values in force on ``on``)."""
    on = on or date.today()
    p = policy
    req = p.requirements
    ex = p.exam_rules
    rt = ex.retake
    period = p.certification.period
    ren = p.certification.renewal
    s: list[tuple[str, str]] = []
    s.append(
        ("Scope of work", _text(p, "scope", "The profile does not describe the scope of work."))
    )
    s.append(
        (
            "Establishing eligibility",
            _list([_rule(r, on) for r in req.eligible]) + _text(p, "eligibility-detail", ""),
        )
    )
    s.append(("Training", _list([_rule(r, on) for r in req.training]) + _text(p, "training", "")))
    s.append(("How training hours are counted", _hours_counted()))
    s.append(
        (
            "Application process",
            _text(
                p,
                "application",
                "Apply to the certifying body with proof of each eligibility requirement.",
            ),
        )
    )
    appeal = (
        f"<p>An appeal of a denial is filed within {p.complaints.appeal_within_days} days of the "
        f"findings.{_src(p.complaints.reference)}</p>"
        if p.complaints
        else "<p class='none'>The profile states no appeal deadline; ask the certifying body.</p>"
    )
    s.append(("Appeal of a denial", appeal))
    scope = (
        "only the failed sections are retaken"
        if rt.scope == "failed-sections"
        else "the whole exam is retaken"
    )
    exam = [
        f"Pass mark: {_p(ex.pass_pct, on)} %"
        + (" in every section" if ex.sections != "total" else " overall")
        + "."
    ]
    exam.append(
        f"At most {_p(rt.max_sittings, on)} sittings in one series; after a failed sitting {scope}."
    )
    if rt.window_days:
        exam.append(
            f"A retake is taken within {_p(rt.window_days, on)} days of the previous sitting."
        )
    if rt.series_days:
        exam.append(
            f"Sittings count within {_p(rt.series_days, on)} days of the first sitting of a series."
        )
    exam.append(
        "When the sittings are used up, the training must be taken again."
        if rt.after_limit == "retrain"
        else "When the sittings are used up, a new series starts with the full exam."
    )
    s.append(
        ("Examination process, results and passing score", _list(exam) + _text(p, "retake", ""))
    )
    s.append(
        (
            "Partial re-examination and retake window",
            "<p>"
            + (
                "Failed sections may be retaken on their own, from a form the candidate has not seen."  # noqa: E501 - prose
                if rt.scope == "failed-sections"
                else "There is no partial re-examination: every sitting is the whole exam."
            )
            + "</p>",
        )
    )
    s.append(("Examination content outline", _outline(p)))
    s.append(("Sample questions", _samples()))
    s.append(
        (
            "Study guide",
            "<p>Study the core competency modules of this kit, one per domain: "
            + ", ".join(escape(d.name) for d in load_framework().domains)
            + ".</p>",
        )
    )
    s.append(
        (
            "Accommodations",
            _text(
                p,
                "accommodations",
                "The profile states no accommodation process; ask the certifying body.",
            ),
        )
    )
    s.append(("Languages", _text(p, "languages", "The profile names no other exam languages.")))
    s.append(
        (
            "Examination day",
            _text(
                p,
                "exam-day",
                "Bring the identification the certifying body asks for; the exam is answered by clicking.",  # noqa: E501 - prose
            ),
        )
    )
    fees = [f"{escape(f.label)}: {escape(p.currency)} {_p(f.amount, on)}" for f in p.fees.values()]
    s.append(("Costs", _list(fees) or "<p class='none'>The profile lists no fees.</p>"))
    if period.kind == "years":
        per = f"A certificate runs {_p(period.years, on)} years from its issue date."
    else:
        per = (
            f"State periods of {_p(period.years, on)} years end on {period.first_end:%B %d} "
            f"({period.first_end.year} and every {period.years.at(on)} years after); a "
            f"certificate runs to the day after the first period end on or after its issue "
            f"date.{_src(period.reference, period.unverified)}"
        )
    s.append(("Certificate issue and replacement", f"<p>{per}</p>"))
    ce = [
        f"At least {_p(ren.ce_hours, on)} verified continuing-education hours dated in the current period."  # noqa: E501 - prose
    ]
    ce += [
        f"Of these, at least {_p(t.minimum, on)} hours of {escape(t.label)}." for t in ren.ce_topics
    ]
    s.append(("Continuing education and its audit", _list(ce) + _text(p, "audit", "")))
    s.append(
        (
            "Renewal",
            f"<p>Renewal is accepted from {_p(ren.window_days, on)} days before the "
            "certificate expires until the day before it expires; a renewal adds one period.</p>"
            + _text(p, "records", ""),
        )
    )
    s.append(
        (
            "Expiry",
            f"<p>A certificate not renewed before its expiry date has the status "
            f"{escape(p.stage_label('expired'))}.</p>" + _text(p, "expiry", ""),
        )
    )
    if req.active:
        s.append(
            (
                "Active status",
                _list([_rule(r, on) for r in req.active])
                + f"<p>Otherwise the certificate is held as {escape(p.stage_label('inactive'))}.</p>",  # noqa: E501 - prose
            )
        )
    rec = (
        f"<p>{'Valid in every county of the state.' if p.reciprocity.statewide else ''} "
        f"{'Out-of-state applicants apply and take the exam.' if p.reciprocity.out_of_state_must_apply_and_test else ''}{_src(p.reciprocity.reference)}</p>"  # noqa: E501 - prose
        if p.reciprocity
        else _text(p, "reciprocity", "The profile states no rule for a change of county or state.")
    )
    if p.reciprocity and "reciprocity" in p.handbook:  # the body's own wording, too
        rec += _text(p, "reciprocity", "")
    s.append(("Change of county or state", rec))
    s.append(("Supervision", _text(p, "supervision", "The profile states no supervision rule.")))
    comp = (
        f"<p>A complaint is filed in writing within {p.complaints.file_within_days} days of the "
        f"event and investigated within {p.complaints.investigate_within_days} days; the "
        f"corrective response follows within {p.complaints.corrective_response_within_days} "
        f"days of the findings.{_src(p.complaints.reference)}</p>"
        if p.complaints
        else "<p class='none'>The profile states no complaint deadlines.</p>"
    )
    s.append(
        (
            "Discipline and complaints",
            comp
            + "<p>A certificate may be suspended, reinstated or revoked, each with a recorded reason.</p>",  # noqa: E501 - prose
        )
    )
    body = "".join(f"<section><h2>{escape(h)}</h2>{c}</section>" for h, c in s)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Candidate handbook — {escape(p.name)}</title>"
        "<style>body{font-family:sans-serif;max-width:50em;margin:auto;line-height:1.45}"
        ".src{color:#555;font-size:.85em}.unverified{color:#a33;font-size:.85em}"
        ".none{color:#555;font-style:italic}table{border-collapse:collapse}"
        "td,th{border:1px solid #999;padding:.2em .5em}</style></head><body>"
        f"<h1>Candidate handbook: {escape(p.name)}</h1>"
        f"<p>{escape(p.body)}. Rules in force on {on.isoformat()}; source: {escape(p.source)}. "
        "Generated from the profile the tracker applies.</p>"
        f"{body}</body></html>"
    )


def write_handbook(
    profile: str, *, out: Path | None = None, pdf: bool = False, on: date | None = None
) -> list[Path]:
    """Write ``handbook-<id>.html`` (and a PDF); ``profile`` is an id or a YAML path."""
    policy = (
        load_policy_file(profile) if profile.endswith((".yaml", ".yml")) else load_policy(profile)
    )
    out = Path(out or f"handbook-{policy.id}.html")
    html = handbook_html(policy, on=on)
    out.write_text(html, encoding="utf-8")
    paths = [out]
    if pdf:
        from ppskit.reports.render import html_to_pdf

        paths.append(html_to_pdf(html, out.with_suffix(".pdf")))
    return paths
