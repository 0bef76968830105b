"""What the certification asks of a trainee, in plain words, for a module notebook.

The orientation module shows it with ``module.requirements()``. Every label, number and
source comes from the trainee's policy profile (:func:`ppskit.policies.load_policy`):
nothing here restates a rule. The trainee's profile is read from the ledger only when
the notebook knows who the trainee is; otherwise, or when the ledger cannot tell, the
default profile is shown with a line that says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ppskit.exercises._render import Displayed, esc
from ppskit.policies import (
    DEFAULT_PROFILE,
    EducationAccepted,
    HoursAtLeast,
    MinimumAge,
    Policy,
    load_policy,
)

#: Heading of each group of rules, in the order a trainee meets them.
_GROUPS = (
    ("eligible", "Before you can be certified"),
    ("training", "Training"),
    ("active", "To keep your certificate active"),
)
_NOT_CONFIRMED = "not yet confirmed with the certifying body"


@dataclass(frozen=True)
class Line:
    """One requirement: what it asks, in words, and where the rule comes from."""

    text: str
    reference: str = ""
    unverified: bool = False


@dataclass(frozen=True)
class Group:
    """A heading and its requirements."""

    title: str
    lines: tuple[Line, ...]


def profile_for(trainee: str | None, db: str | None = None) -> tuple[str, str]:
    """``(profile id, note)`` for the trainee: their profile, or the default one.

    The note is empty when the trainee's own profile was found, and otherwise says in
    plain words why the default profile is shown. Never raises: a ledger that cannot be
    read is a reason to show the default, not an error in the notebook.
    """
    if trainee is None:
        return DEFAULT_PROFILE, (
            "We do not know who you are yet, so this shows the course's default "
            "certification. Type your trainee ID below to see the rules for yours."
        )
    try:
        from sqlalchemy import select

        from ppskit.db import read_connection
        from ppskit.ledger.tables import trainees

        with read_connection(db) as conn:
            found = conn.execute(
                select(trainees.c.profile).where(trainees.c.trainee_id == trainee)
            ).first()
    except Exception:  # no ledger on this computer, or it cannot be reached
        return DEFAULT_PROFILE, (
            "The training record could not be read on this computer, so this shows the "
            "course's default certification. Ask your trainer which one is yours."
        )
    if found is None:
        return DEFAULT_PROFILE, (
            f"The trainee ID {trainee} is not registered yet, so this shows the course's "
            "default certification. Check the ID, or ask your trainer to register you."
        )
    if not found[0]:
        return DEFAULT_PROFILE, ""  # registered with the default profile
    try:
        load_policy(found[0])
    except KeyError:
        return DEFAULT_PROFILE, (
            f"Your record names a certification this kit does not know ({found[0]}), so "
            "this shows the course's default one. Please tell your trainer."
        )
    return found[0], ""


def _hours(value: float) -> str:
    return f"{value:g} hour" + ("" if value == 1 else "s")


def _rule_line(rule, on: date) -> Line:
    """A profile rule in plain words (label first, then the profile's own number)."""
    label = rule.label[:1].upper() + rule.label[1:]
    if isinstance(rule, MinimumAge):
        text = f"{label}: {rule.years.at(on)} years or older."
        source = rule.years.reference or rule.reference
        unverified = rule.unverified or rule.years.unverified
    elif isinstance(rule, HoursAtLeast):
        text = f"{label}: at least {_hours(rule.minimum.at(on))}"
        if rule.per_domain:
            text += ", with some hours in every competency domain"
        if rule.lookback_days is not None:
            text += f", dated within the last {rule.lookback_days.at(on)} days"
        text += "."
        source = rule.minimum.reference or rule.reference
        unverified = rule.unverified or rule.minimum.unverified
    elif isinstance(rule, EducationAccepted):
        text = f"{label}."
        source = rule.accepted.reference or rule.reference
        unverified = rule.unverified or rule.accepted.unverified
    else:
        # A yes/no fact (its label names what must be on record, whether the fact is
        # expected yes or no), or a rule kind added later: the label says what it asks.
        text, source, unverified = f"{label}.", rule.reference, rule.unverified
    return Line(text, source, unverified)


def requirement_groups(policy: Policy, on: date | None = None) -> list[Group]:
    """The profile's requirements as headed groups of plain lines (values in force on
    ``on``, default today)."""
    on = on or date.today()
    groups = []
    for key, title in _GROUPS:
        rules = getattr(policy.requirements, key)
        if rules:
            groups.append(Group(title, tuple(_rule_line(r, on) for r in rules)))
    typical = policy.requirements.training_typical_maximum_hours
    if typical is not None and groups:
        for i, group in enumerate(groups):
            if group.title == "Training":
                extra = Line(
                    f"A full training usually takes up to {_hours(typical.at(on))}.",
                    typical.reference,
                    typical.unverified,
                )
                groups[i] = Group(group.title, (*group.lines, extra))

    exam = policy.exam_rules
    lines = []
    if exam.items is not None:
        lines.append(
            Line(
                f"The exam has {exam.items.at(on)} questions.",
                exam.items.reference,
                exam.items.unverified,
            )
        )
    if exam.minutes is not None:
        lines.append(
            Line(
                f"You have {exam.minutes.at(on)} minutes for it.",
                exam.minutes.reference,
                exam.minutes.unverified,
            )
        )
    if exam.delivery:
        lines.append(Line(f"Where you take it: {exam.delivery.rstrip('.')}."))
    lines.append(
        Line(
            f"To pass, you need {exam.pass_pct.at(on):g} percent.",
            exam.pass_pct.reference,
            exam.pass_pct.unverified,
        )
    )
    retake = exam.retake
    lines.append(
        Line(
            f"You may sit the exam up to {retake.max_sittings.at(on)} times in one series.",
            retake.max_sittings.reference,
            retake.max_sittings.unverified,
        )
    )
    groups.append(Group("The exam", tuple(lines)))

    period, renewal = policy.certification.period, policy.certification.renewal
    lines = [
        Line(
            f"A certificate lasts {period.years.at(on)} years, then you renew it.",
            period.years.reference or period.reference,
            period.years.unverified or period.unverified,
        ),
        Line(
            f"To renew: {_hours(renewal.ce_hours.at(on))} of continuing education.",
            renewal.ce_hours.reference,
            renewal.ce_hours.unverified,
        ),
    ]
    for topic in renewal.ce_topics:
        lines.append(
            Line(
                f"Of those, at least {_hours(topic.minimum.at(on))} of {topic.label}.",
                topic.minimum.reference or topic.reference,
                topic.unverified or topic.minimum.unverified,
            )
        )
    groups.append(Group("Staying certified", tuple(lines)))
    return groups


class RequirementsView(Displayed):
    """The requirements panel: plain text and a widget, for one trainee (or none)."""

    def __init__(self, module) -> None:  # noqa: ANN001  (a Module; no import cycle)
        self.module = module
        self.profile, self.note = profile_for(module.trainee, module.db)
        self.policy = load_policy(self.profile)
        self.groups = requirement_groups(self.policy)
        self._widget = None

    # --- plain text ----------------------------------------------------------------
    def plain_text(self) -> str:
        """The panel as plain text (what a viewer without widgets shows)."""
        out = [f"What your certification asks of you: {self.policy.name}"]
        if self.note:
            out.append(f"    Note: {self.note}")
        for group in self.groups:
            out.append(f"  {group.title}")
            for line in group.lines:
                flag = f" ({_NOT_CONFIRMED})" if line.unverified else ""
                out.append(f"    - {line.text}{flag}")
                if line.reference:
                    out.append(f"      Source: {line.reference}")
        out.append(f"  Source of these rules: {self.policy.source}")
        return "\n".join(out)

    def __repr__(self) -> str:
        return self.plain_text()

    # --- widget --------------------------------------------------------------------
    def html(self) -> str:
        """The panel as HTML: headings, a list per group, each source in small print."""
        parts = [
            "<h3 style='margin:4px 0;font-size:1.1em'>What your certification asks of you</h3>",
            f"<div><b>{esc(self.policy.name)}</b></div>",
        ]
        if self.note:
            parts.append(
                "<div role='note' style='border-left:4px solid #1f5f8b;padding:4px 10px;"
                f"margin:6px 0'>{esc(self.note)}</div>"
            )
        for group in self.groups:
            items = []
            for line in group.lines:
                flag = f" <i>({_NOT_CONFIRMED})</i>" if line.unverified else ""
                ref = (
                    f"<div style='color:#555;font-size:85%'>Source: {esc(line.reference)}</div>"
                    if line.reference
                    else ""
                )
                items.append(f"<li>{esc(line.text)}{flag}{ref}</li>")
            parts.append(
                f"<h5 style='margin:8px 0 2px'>{esc(group.title)}</h5>"
                f"<ul style='margin:2px 0;line-height:1.45'>{''.join(items)}</ul>"
            )
        parts.append(
            "<div style='color:#555;font-size:85%'>Source of these rules: "
            f"{esc(self.policy.source)}</div>"
        )
        return "".join(parts)

    @property
    def widget(self):  # noqa: ANN201
        """The ipywidgets panel (built on first use)."""
        if self._widget is None:
            import ipywidgets as w

            from ppskit.exercises.widgets import _CARD, _FULL, SignInBox

            self._panel = w.HTML(self.html(), layout=_FULL)
            self._message = w.HTML(layout=_FULL)
            self.trainee_prompt = SignInBox(self.show_for, button="Show my rules")
            who = [self.trainee_prompt.widget] if self.module.trainee is None else []
            self._who = w.VBox(who)
            self._widget = w.VBox([self._panel, self._who, self._message], layout=_CARD)
        return self._widget

    def show_for(self, trainee_id: str) -> None:
        """What "Show my rules" does: use this trainee id and show their profile."""
        self.widget  # noqa: B018  (make sure the widget exists)
        try:
            self.module.sign_in(trainee_id)
        except ValueError as exc:
            self._message.value = esc(str(exc))
            return
        self.profile, self.note = profile_for(self.module.trainee, self.module.db)
        self.policy = load_policy(self.profile)
        self.groups = requirement_groups(self.policy)
        self._panel.value = self.html()
        self._who.children = []
        self._message.value = ""
