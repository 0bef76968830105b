"""A state law topic as a notebook shows it: a boxed panel in HTML, and plain text.

Which sheet a trainee sees follows their certification profile. When the profile is not
known (no trainee ID yet), the default profile's sheet is shown with a line saying which
state it is and that other states differ. A national profile has no sheet: the panel
lists what each state's sheet covers and asks the trainee to check which state applies.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from ppskit.exercises.loader import PROBLEM_MARKER
from ppskit.statelaw import (
    available_sheets,
    default_state,
    load_sheet,
    load_sheets,
    profile_of_trainee,
    state_of_profile,
)
from ppskit.statelaw.schema import Sheet, Topic

_BORDER = "#1f5f8b"
_UNVERIFIED = "Not yet checked against the source"


@dataclass
class StateLawPanel:
    """What a ``module.state_law(...)`` cell displays.

    ``heading`` and ``notes`` are sentences; ``topic`` is the topic shown (None when the
    sheet does not cover it); ``problem`` marks a panel a trainer must fix (an unknown
    topic id), so a headless run of the notebook reports it.
    """

    heading: str
    state: str | None = None
    topic: Topic | None = None
    lead: list[str] = field(default_factory=list)  # read before the statements
    notes: list[str] = field(default_factory=list)
    others: list[tuple[str, str]] = field(default_factory=list)  # (state name, title)
    problem: bool = False

    # --- plain text ----------------------------------------------------------------------
    def plain_text(self) -> str:
        """The panel as plain text (what a screen reader or a text console shows)."""
        lines = [f"{PROBLEM_MARKER} {self.heading}" if self.problem else self.heading]
        lines += self.lead
        if self.topic is not None:
            for s in self.topic.statements:
                flag = f" ({_UNVERIFIED}.)" if s.unverified else ""
                lines.append(f"- {s.text}{flag}\n  Source: {s.citation} <{s.url}>")
        for name, title in self.others:
            lines.append(f"- {name}: {title}")
        lines += self.notes
        if self.topic is not None:
            lines.append(f"Next step: {self.topic.ask_next}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.plain_text()

    # --- HTML ---------------------------------------------------------------------------
    def html(self) -> str:
        """The panel as a boxed HTML block, each citation a link to its source."""
        esc = html.escape
        colour = "#a33a12" if self.problem else _BORDER
        parts = [
            f'<div role="note" style="border:2px solid {colour};border-radius:6px;'
            f'padding:8px 14px;margin:8px 0;line-height:1.5">',
            f'<p style="margin:0.3em 0;font-weight:bold">{esc(self.heading)}</p>',
        ]
        parts += [f'<p style="margin:0.3em 0"><em>{esc(n)}</em></p>' for n in self.lead]
        items = []
        if self.topic is not None:
            for s in self.topic.statements:
                flag = f' <em style="color:#8a5a00">({_UNVERIFIED}.)</em>' if s.unverified else ""
                items.append(
                    f"<li>{esc(s.text)}{flag}<br><small>Source: "
                    f'<a href="{esc(s.url, quote=True)}" target="_blank" rel="noopener">'
                    f"{esc(s.citation)}</a></small></li>"
                )
        items += [f"<li><b>{esc(n)}:</b> {esc(t)}</li>" for n, t in self.others]
        if items:
            parts.append('<ul style="margin:0.3em 0">' + "".join(items) + "</ul>")
        parts += [f'<p style="margin:0.3em 0">{esc(n)}</p>' for n in self.notes]
        if self.topic is not None:
            parts.append(
                f'<p style="margin:0.3em 0"><b>Next step:</b> {esc(self.topic.ask_next)}</p>'
            )
        parts.append("</div>")
        return "".join(parts)

    def _repr_mimebundle_(self, include=None, exclude=None):  # noqa: ANN001, ANN202
        return {"text/plain": self.plain_text(), "text/html": self.html()}


def _any_title(topic_id: str) -> str | None:
    """The topic's title on the first sheet that has it (None when no sheet has it)."""
    for sheet in load_sheets():
        topic = sheet.topic(topic_id)
        if topic is not None:
            return topic.title
    return None


def _unknown_topic(topic_id: str) -> StateLawPanel:
    return StateLawPanel(
        heading=(
            f"This notebook asks for a state law topic called {topic_id!r}, which no "
            "state sheet has. Please tell your trainer."
        ),
        problem=True,
    )


def _for_sheet(sheet: Sheet, topic_id: str, *, assumed: bool) -> StateLawPanel:
    topic = sheet.topic(topic_id)
    lead = []
    if assumed:
        # Said first: the trainee must know whose rules these are before reading them.
        lead.append(
            f"You are seeing the rules of {sheet.name}, because this notebook does not "
            "know your certification profile yet. Other states have different rules."
        )
    if topic is None:
        title = _any_title(topic_id) or topic_id
        return StateLawPanel(
            heading=f"In {sheet.name}: {title}",
            state=sheet.state,
            lead=lead,
            notes=[
                f"The {sheet.name} sheet in this course does not cover this topic yet. "
                "Ask your supervisor what the rules are where you work.",
            ],
        )
    day = sheet.as_of
    notes = [
        f"These rules were last checked on {day:%B} {day.day}, {day.year}. Laws change. "
        "This box explains the law in general; it is not legal advice."
    ]
    return StateLawPanel(
        heading=f"In {sheet.name}: {topic.title}",
        state=sheet.state,
        topic=topic,
        lead=lead,
        notes=notes,
    )


def _national(topic_id: str) -> StateLawPanel:
    others = [
        (sheet.name, topic.title)
        for sheet in load_sheets()
        if (topic := sheet.topic(topic_id)) is not None
    ]
    return StateLawPanel(
        heading="State rules on this topic",
        others=others,
        notes=[
            "Your certification is not tied to one state, so this course cannot pick the "
            "rules for you. The states above have a sheet on this topic in this course. "
            "Ask your supervisor which state's rules apply to your work."
        ],
    )


def state_law_panel(
    topic_id: str,
    *,
    profile: str | None = None,
    trainee: str | None = None,
    db: str | None = None,
) -> StateLawPanel:
    """The panel for one topic, for a profile (or the profile of a registered trainee).

    Never raises: an unknown profile shows the default sheet, and a topic no sheet has
    shows a plain notice for the trainer.
    """
    try:
        if _any_title(topic_id) is None:
            return _unknown_topic(topic_id)
        if profile is None:
            profile = profile_of_trainee(trainee, db=db)
        if profile is not None:
            try:
                state = state_of_profile(profile)
            except KeyError:
                profile = None  # a profile this install does not know: treat as unknown
            else:
                if state is None:
                    return _national(topic_id)
                if state in available_sheets():
                    return _for_sheet(load_sheet(state), topic_id, assumed=False)
                return StateLawPanel(
                    heading=f"State rules for {state}",
                    state=state,
                    notes=[
                        f"This course has no law sheet for {state} yet. Ask your "
                        "supervisor what the rules are where you work."
                    ],
                )
        fallback = default_state()
        if fallback is None:
            return _national(topic_id)
        return _for_sheet(load_sheet(fallback), topic_id, assumed=True)
    except Exception as exc:  # noqa: BLE001 - a broken sheet must not stop the notebook
        return StateLawPanel(
            heading=(
                "The state law box could not be shown "
                f"({type(exc).__name__}). Please tell your trainer."
            ),
            problem=True,
        )
