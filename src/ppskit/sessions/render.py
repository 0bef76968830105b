"""A session guide as the facilitator's printable handout, in Markdown or HTML.

Both formats hold the same parts in the same order: purpose and materials, the agenda
table with each item's minutes and a running clock, the steps of each item, the
role-plays with both parts' briefs and the whole script, the discussion questions, the
skill check with its rubric (levels 1 not yet, 2 meets, 3 strong) and a score sheet to
fill in by hand. Everything comes from the guide's YAML.
"""

from __future__ import annotations

from html import escape

from ppskit.sessions.records import credited_hours
from ppskit.sessions.schema import LEVELS, SessionGuide

#: What a rubric level means, lowest first (the column heads of the rubric table).
LEVEL_NAMES = {1: "1 - not yet", 2: "2 - meets", 3: "3 - strong"}
FORMATS = ("md", "html")


def _clock(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def agenda_rows(guide: SessionGuide) -> list[dict]:
    """The agenda with a running clock from 0:00: start, end, and whether it counts."""
    rows, at = [], 0
    for item in guide.agenda:
        rows.append(
            {
                "item": item,
                "start": _clock(at),
                "end": _clock(at + item.minutes),
                "credited": item.activity != "break",
            }
        )
        at += item.minutes
    return rows


def _md_cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def to_markdown(guide: SessionGuide) -> str:
    """The guide as Markdown (prints well from any Markdown viewer)."""
    out = [f"# {guide.title}", ""]
    out += [
        f"*Session guide `{guide.id}` ({guide.kind}, {guide.topic}): {guide.minutes} credited "
        f"minutes = {credited_hours(guide):g} hours (breaks not counted).*",
        "",
        guide.purpose.strip(),
        "",
        f"**Participants:** {guide.participants.strip()}",
        "",
        "## Materials",
        "",
        *[f"- {m}" for m in guide.materials],
        "",
        "## Agenda",
        "",
        "| # | Clock | Item | Activity | Minutes |",
        "|---|-------|------|----------|---------|",
    ]
    for n, row in enumerate(agenda_rows(guide), 1):
        item = row["item"]
        mins = f"{item.minutes}" if row["credited"] else f"{item.minutes} (not credited)"
        out.append(
            f"| {n} | {row['start']}-{row['end']} | {_md_cell(item.title)} | "
            f"{item.activity} | {mins} |"
        )
    out += ["", f"Credited minutes: **{guide.minutes}**.", ""]
    for n, row in enumerate(agenda_rows(guide), 1):
        item = row["item"]
        out += [f"### {n}. {item.title} ({row['start']}, {item.minutes} min)", ""]
        out += [f"{i}. {step}" for i, step in enumerate(item.steps, 1)]
        out.append("")
    out += ["## Role-plays", ""]
    for rp in guide.role_plays:
        out += [f"### {rp.title}", "", f"*Agenda item: {rp.agenda_item}*", "", rp.setup.strip(), ""]
        for part in rp.parts:
            out += [f"**{part.role}:** {part.brief.strip()}", ""]
        out += ["**Script**", ""]
        out += [f"> **{line.who}:** {line.says.strip()}\n>" for line in rp.script]
        out += ["", "**Debrief**", ""]
        out += [f"- {q}" for q in rp.debrief]
        out.append("")
    out += ["## Discussion questions", ""]
    out += [f"{i}. {q}" for i, q in enumerate(guide.discussion_questions, 1)]
    out.append("")
    check = guide.skill_check
    if check is not None:
        top = max(LEVELS) * len(check.criteria)
        out += [
            "## Observed skill check",
            "",
            f"*Agenda item: {check.agenda_item}*",
            "",
            f"**Scenario:** {check.scenario.strip()}",
            "",
            f"**The observer:** {check.observer.strip()}",
            "",
            "### Rubric",
            "",
            "| Criterion | " + " | ".join(LEVEL_NAMES.values()) + " |",
            "|---|---|---|---|",
        ]
        for c in check.criteria:
            out.append(
                f"| **{_md_cell(c.label)}** (`{c.id}`) | "
                + " | ".join(_md_cell(c.levels[lv]) for lv in LEVEL_NAMES)
                + " |"
            )
        rule = check.pass_rule
        out += [
            "",
            f"**Pass rule:** every criterion at level {rule.min_each} or higher, and a "
            f"total of at least {rule.min_total} out of {top}.",
            "",
            "### Score sheet",
            "",
            "Trainee: ____________________  Date: ____________  Facilitator: ____________________",
            "",
            "| Criterion | 1 | 2 | 3 |",
            "|---|---|---|---|",
        ]
        out += [f"| {_md_cell(c.label)} | [ ] | [ ] | [ ] |" for c in check.criteria]
        out += [
            "",
            f"Total: ______ of {top}    Passed: yes / not yet    Hours attended: ______",
            "",
            "Record it: `ppskit sessions record TRAINEE "
            f"{guide.id} --date YYYY-MM-DD --facilitator NAME "
            + " ".join(f"--score {c.id}=N" for c in check.criteria)
            + "`",
            "",
        ]
    out += ["## Sources", ""]
    out += [f"- {s}" for s in guide.sources]
    return "\n".join(out) + "\n"


_CSS = """
body { font-family: Georgia, 'Times New Roman', serif; max-width: 50em; margin: 2em auto;
       line-height: 1.45; color: #111; padding: 0 1em; }
h1, h2, h3 { font-family: Arial, Helvetica, sans-serif; }
h2 { border-bottom: 2px solid #333; margin-top: 2em; }
table { border-collapse: collapse; width: 100%; margin: 1em 0; }
th, td { border: 1px solid #555; padding: 0.3em 0.5em; vertical-align: top; text-align: left; }
th { background: #eee; }
tr.break td { font-style: italic; color: #555; }
.script p { margin: 0.2em 0 0.2em 1em; }
.script .who { font-weight: bold; }
.box { display: inline-block; width: 1em; height: 1em; border: 1px solid #000; }
.blank { display: inline-block; min-width: 12em; border-bottom: 1px solid #000; }
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; }
  h2 { page-break-after: avoid; }
  section.rp, section.check, table { page-break-inside: avoid; }
  section.sheet { page-break-before: always; }
}
"""


def to_html(guide: SessionGuide) -> str:
    """The guide as one self-contained, printable HTML page (no scripts, no links out)."""
    e = escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(guide.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(guide.title)}</h1>",
        f"<p><em>Session guide <code>{e(guide.id)}</code> ({e(guide.kind)}, {e(guide.topic)}): "
        f"{guide.minutes} credited minutes = {credited_hours(guide):g} hours (breaks not "
        "counted).</em></p>",
        f"<p>{e(guide.purpose.strip())}</p>",
        f"<p><strong>Participants:</strong> {e(guide.participants.strip())}</p>",
        "<h2>Materials</h2><ul>",
        *[f"<li>{e(m)}</li>" for m in guide.materials],
        "</ul>",
        "<h2>Agenda</h2>",
        "<table><thead><tr><th>#</th><th>Clock</th><th>Item</th><th>Activity</th>"
        "<th>Minutes</th></tr></thead><tbody>",
    ]
    for n, row in enumerate(agenda_rows(guide), 1):
        item = row["item"]
        cls = "" if row["credited"] else ' class="break"'
        mins = f"{item.minutes}" if row["credited"] else f"{item.minutes} (not credited)"
        out.append(
            f"<tr{cls}><td>{n}</td><td>{row['start']}&ndash;{row['end']}</td>"
            f"<td>{e(item.title)}</td><td>{e(item.activity)}</td><td>{mins}</td></tr>"
        )
    out.append(
        f'</tbody><tfoot><tr><th colspan="4">Credited minutes</th><th>{guide.minutes}</th>'
        "</tr></tfoot></table>"
    )
    for n, row in enumerate(agenda_rows(guide), 1):
        item = row["item"]
        out.append(f"<h3>{n}. {e(item.title)} ({row['start']}, {item.minutes} min)</h3><ol>")
        out += [f"<li>{e(step)}</li>" for step in item.steps]
        out.append("</ol>")
    out.append("<h2>Role-plays</h2>")
    for rp in guide.role_plays:
        out += [
            '<section class="rp">',
            f"<h3>{e(rp.title)}</h3>",
            f"<p><em>Agenda item: {e(rp.agenda_item)}</em></p>",
            f"<p>{e(rp.setup.strip())}</p>",
        ]
        out += [f"<p><strong>{e(p.role)}:</strong> {e(p.brief.strip())}</p>" for p in rp.parts]
        out.append('<h4>Script</h4><div class="script">')
        out += [
            f'<p><span class="who">{e(line.who)}:</span> {e(line.says.strip())}</p>'
            for line in rp.script
        ]
        out.append("</div><h4>Debrief</h4><ul>")
        out += [f"<li>{e(q)}</li>" for q in rp.debrief]
        out.append("</ul></section>")
    out.append("<h2>Discussion questions</h2><ol>")
    out += [f"<li>{e(q)}</li>" for q in guide.discussion_questions]
    out.append("</ol>")
    check = guide.skill_check
    if check is not None:
        top = max(LEVELS) * len(check.criteria)
        out += [
            '<section class="check"><h2>Observed skill check</h2>',
            f"<p><em>Agenda item: {e(check.agenda_item)}</em></p>",
            f"<p><strong>Scenario:</strong> {e(check.scenario.strip())}</p>",
            f"<p><strong>The observer:</strong> {e(check.observer.strip())}</p>",
            "<h3>Rubric</h3><table><thead><tr><th>Criterion</th>",
            *[f"<th>{e(name)}</th>" for name in LEVEL_NAMES.values()],
            "</tr></thead><tbody>",
        ]
        for c in check.criteria:
            out.append(
                f"<tr><td><strong>{e(c.label)}</strong><br><code>{e(c.id)}</code></td>"
                + "".join(f"<td>{e(c.levels[lv])}</td>" for lv in LEVEL_NAMES)
                + "</tr>"
            )
        rule = check.pass_rule
        out += [
            "</tbody></table>",
            f"<p><strong>Pass rule:</strong> every criterion at level {rule.min_each} or "
            f"higher, and a total of at least {rule.min_total} out of {top}.</p></section>",
            '<section class="sheet"><h2>Score sheet</h2>',
            '<p>Trainee: <span class="blank"></span> Date: <span class="blank"></span></p>',
            '<p>Facilitator: <span class="blank"></span> Hours attended: '
            '<span class="blank"></span></p>',
            "<table><thead><tr><th>Criterion</th><th>1</th><th>2</th><th>3</th></tr></thead>"
            "<tbody>",
        ]
        out += [
            f"<tr><td>{e(c.label)}</td>" + '<td><span class="box"></span></td>' * 3 + "</tr>"
            for c in check.criteria
        ]
        out += [
            "</tbody></table>",
            f'<p>Total: <span class="blank"></span> of {top} &nbsp; Passed: yes / not yet</p>',
            "<p>Record it: <code>ppskit sessions record TRAINEE "
            f"{e(guide.id)} --date YYYY-MM-DD --facilitator NAME "
            + e(" ".join(f"--score {c.id}=N" for c in check.criteria))
            + "</code></p></section>",
        ]
    out.append("<h2>Sources</h2><ul>")
    out += [f"<li>{e(s)}</li>" for s in guide.sources]
    out.append("</ul></body></html>")
    return "\n".join(out) + "\n"


def render(guide: SessionGuide, fmt: str = "md") -> str:
    """The guide in ``fmt`` (``md`` or ``html``)."""
    if fmt == "md":
        return to_markdown(guide)
    if fmt == "html":
        return to_html(guide)
    raise ValueError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
