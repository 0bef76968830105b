"""The exercise widgets (ipywidgets 8), one class per exercise kind, and the finish panel.

Every view can be driven without a browser: methods such as ``choose``, ``place``,
``check``, ``write``, ``save`` do exactly what the buttons do, and ``feedback_text`` is
the feedback a trainee would read. In a notebook each view displays as a widget; where
widgets cannot be shown (headless runs, a plain viewer) it shows a plain-text version.
Feedback, keys and reasons come from the module's YAML file and only appear after the
trainee answers.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from string import ascii_uppercase
from typing import TYPE_CHECKING

import ipywidgets as w

from ppskit.exercises import storage
from ppskit.exercises._render import (
    CARD_CLASS,
    OPTION_CLASS,
    SR_LABEL_CLASS,
    Displayed,
    box,
    esc,
    indent,
    key_guard,
    md_html,
    plain,
    style_tag,
)
from ppskit.exercises.schema import (
    ChoiceExercise,
    DecisionExercise,
    JournalExercise,
    SortExercise,
    StoryExercise,
)

if TYPE_CHECKING:
    from ppskit.exercises.module import Module

_FULL = w.Layout(width="100%")
# A dropdown whose value is None shows an empty box in ipywidgets 8, so the "Choose..."
# entry carries this value instead; it always reads back as None.
_UNCHOSEN = ""
_CARD = w.Layout(border="1px solid #c8c8c8", padding="8px 14px", margin="10px 0", width="100%")
_OUTCOMES = {
    "good": ("good", "Outcome: this went well."),
    "mixed": ("warn", "Outcome: this went partly well."),
    "poor": ("bad", "Outcome: this did not go well for the family."),
}


def _letter(i: int) -> str:
    return ascii_uppercase[i] if i < len(ascii_uppercase) else str(i + 1)


def _sentence(text: str) -> str:
    """``text`` stripped, ending with a full stop unless it already ends a sentence."""
    text = text.strip()
    return text if text.endswith((".", "!", "?", ":", '"', "'")) else text + "."


def _quote(text: str) -> str:
    """``text`` in quotes, without a trailing full stop (it reads better mid-sentence)."""
    return f'"{text.strip().rstrip(".")}"'


def _label(html: str) -> str:
    """Wrap label HTML so that a label running onto two lines keeps normal line spacing."""
    return f'<div style="line-height:1.5;padding:4px 0">{html}</div>'


def _sr_labelled(widget: w.Widget) -> w.Widget:
    """``widget`` with its description kept for screen readers but not shown."""
    widget.add_class(SR_LABEL_CLASS)
    return widget


def _plain_text(markdown: str) -> str:
    """Markdown as one line of plain words (for a control's accessible name)."""
    return " ".join(re.sub(r"[*_`]", "", markdown or "").split())


def _words(text: str) -> int:
    return len(re.findall(r"\S+", text or ""))


class SignInBox:
    """The one-time sign-in: a labelled box for the trainee ID and a Sign in button."""

    def __init__(self, on_submit: Callable[[str], None], button: str = "Sign in"):
        from ppskit.exercises.identity import PLACEHOLDER

        self._on_submit = on_submit
        self.text = w.Text(placeholder=PLACEHOLDER, description="Your trainee ID")
        self.text.style.description_width = "initial"
        self.button = w.Button(description=button, button_style="primary")
        self.button.on_click(lambda _b: self.submit())
        self.widget = w.HBox([self.text, self.button])

    def submit(self, value: str | None = None) -> None:
        """Sign in with ``value`` (or what is typed in the box)."""
        if value is not None:
            self.text.value = value
        self._on_submit(self.text.value)


class HeaderView(Displayed):
    """The top of every module: who is signed in (with Change), or the sign-in box;
    how many exercises are done; and the page's invisible active-time clock."""

    def __init__(self, module: Module):
        self.module = module
        self.message = ""
        self.sign_in_box = SignInBox(self.sign_in)
        self._who = w.HTML(layout=_FULL)
        self._change = w.Button(description="Change", tooltip="Sign in as someone else")
        self._change.on_click(lambda _b: self.change())
        self._form = w.VBox()
        self._message = w.HTML(layout=_FULL)
        clock = [module.activity.widget] if module.activity.widget is not None else []
        self.widget = w.VBox(
            [w.HBox([self._who, self._change]), self._form, self._message, *clock],
            layout=_CARD,
        )
        module.on_change(self._refresh)
        self._refresh()

    def _refresh(self) -> None:
        m = self.module
        done = len(m.done & set(m.exercise_ids))
        total = len(m.exercise_ids)
        progress = f"{done} of {total} exercises done in this module."
        if m.identity is None:
            self._who.value = (
                "<b>Please sign in</b> with the trainee ID from your welcome letter, so your "
                f"work is saved for you and comes back next time. {progress}"
            )
            self._change.layout.display = "none"
            self._form.children = [self.sign_in_box.widget]
        else:
            self._who.value = (
                f"Signed in as <b>{esc(m.identity.label())}</b>. {progress} Your answers are "
                "saved as you go."
            )
            self._change.layout.display = None if m.identity.changeable else "none"
            self._form.children = []
        if m.notice and not self.message:
            self._message.value = f"<div role='status'>{esc(m.notice)}</div>"

    def _say(self, text: str) -> None:
        self.message = text
        self._message.value = f"<div role='status'>{esc(text)}</div>"

    def sign_in(self, value: str) -> str:
        """What the Sign in button does."""
        try:
            self._say(self.module.sign_in(value))
        except ValueError as exc:
            self._say(str(exc))
        return self.message

    def change(self) -> None:
        """What the Change button does: sign out here, then show the sign-in box."""
        try:
            self.module.sign_out()
            self._say("Signed out. Sign in with your own trainee ID.")
        except ValueError as exc:
            self._say(str(exc))

    def plain_text(self) -> str:
        """The header as plain text."""
        m = self.module
        who = f"Signed in as {m.identity.label()}" if m.identity else "Not signed in"
        return f"{who}. {len(m.done & set(m.exercise_ids))} of {len(m.exercise_ids)} done."


class ExerciseView(Displayed):
    """What every exercise view shares: header, feedback area, done state, plain text."""

    kind_label = "Exercise"

    def __init__(self, spec, module: Module):
        self.spec = spec
        self.module = module
        self._lines: list[tuple[str, str]] = []
        self._feedback = w.HTML(layout=_FULL)
        #: True once the trainee has answered on this page (then nothing is restored over it).
        self.touched = False
        # h3: the notebook's sections are h2, so the exercise titles come next in order.
        title = f"<h3 style='margin:4px 0;font-size:1.1em'>{esc(spec.title)}</h3>"
        kind = f"<div style='color:#555;font-size:90%'>{self.kind_label}</div>"
        self._earlier = w.HTML(layout=_FULL)
        header = w.HTML(style_tag() + kind + title + md_html(spec.prompt), layout=_FULL)
        guard = [g] if (g := key_guard()) is not None else []
        self.widget = w.VBox(
            [header, self._earlier, *self._build(), self._feedback, *guard], layout=_CARD
        )
        self.widget.add_class(CARD_CLASS)
        self._restored_for: str | None = None
        module.on_change(self._module_changed)
        self._module_changed()

    # --- progress that comes back ----------------------------------------------------
    def _module_changed(self) -> None:
        self._earlier.value = (
            "<div style='color:#1b5e20'>&#10003; <b>Done.</b> You finished this exercise "
            "earlier; your answer is shown below.</div>"
            if self.done and not self.touched
            else ""
        )
        who = self.module.trainee
        if who is not None and who != self._restored_for and not self.touched:
            self._restored_for = who
            self.restore(self.module.saved.get(self.id))

    def restore(self, answer: dict | None) -> None:
        """Show a saved answer again (each kind knows its own)."""

    def saved_answer(self) -> dict | None:
        """The answer to save when the exercise is finished (None: nothing to save)."""
        return None

    # --- to be filled in by each kind ----------------------------------------------
    def _build(self) -> list[w.Widget]:
        raise NotImplementedError

    def _plain_body(self) -> str:
        return ""

    # --- shared behaviour ------------------------------------------------------------
    @property
    def id(self) -> str:
        """The exercise id."""
        return self.spec.id

    @property
    def done(self) -> bool:
        """True once the trainee has completed this exercise (in this module session)."""
        return self.spec.id in self.module.done

    @property
    def feedback_text(self) -> str:
        """The feedback currently shown, as plain text."""
        return plain(self._lines)

    def _show(self, lines: list[tuple[str, str]]) -> None:
        self._lines = list(lines)
        self._feedback.value = box(self._lines)

    def _complete(self) -> None:
        self.module.mark_done(self.spec.id, self.saved_answer())

    def plain_text(self) -> str:
        """A plain-text version of the exercise (what a viewer without widgets shows)."""
        head = f"[{self.kind_label}] {self.spec.title}"
        body = self._plain_body()
        parts = [head, indent(self.spec.prompt)]
        if body:
            parts.append(body)
        parts.append("    (Open this notebook in JupyterLab to do this exercise.)")
        return "\n".join(parts)


class ChoiceView(ExerciseView):
    """Multiple choice with feedback for every option the trainee picks."""

    spec: ChoiceExercise

    @property
    def kind_label(self) -> str:  # type: ignore[override]
        """Label shown above the title."""
        return "Choose all that apply" if self.spec.multiple else "Choose one answer"

    def _build(self) -> list[w.Widget]:
        self._boxes = []
        rows = []
        for i, option in enumerate(self.spec.options):
            # The option's words are the box's own label: a screen reader reads them with
            # the box, and clicking the words ticks it (a bigger target than the box).
            tick = w.Checkbox(
                value=False,
                indent=False,
                description=f"{_letter(i)}. {option.text.strip()}",
                layout=_FULL,
            )
            tick.add_class(OPTION_CLASS)
            if not self.spec.multiple:
                tick.observe(self._only_one(i), names="value")
            self._boxes.append(tick)
            rows.append(w.HBox([tick], layout=_FULL))
        self._check = w.Button(description="Check my answer", button_style="primary")
        self._check.on_click(lambda _b: self.check())
        return [*rows, self._check]

    def _only_one(self, index: int):
        # Behave like radio buttons: ticking one option clears the others.
        def handler(change):
            if change["new"]:
                for j, other in enumerate(self._boxes):
                    if j != index and other.value:
                        other.value = False

        return handler

    def _plain_body(self) -> str:
        return "\n".join(
            f"    {_letter(i)}. {o.text.strip()}" for i, o in enumerate(self.spec.options)
        )

    @property
    def selected(self) -> tuple[int, ...]:
        """Indexes (from 0) of the options currently ticked."""
        return tuple(i for i, b in enumerate(self._boxes) if b.value)

    def choose(self, *indexes: int) -> None:
        """Tick exactly these options (0 = A). One only, unless "choose all that apply"."""
        if not self.spec.multiple and len(indexes) > 1:
            raise ValueError("This question takes one answer.")
        for i in indexes:
            if not 0 <= i < len(self._boxes):
                raise IndexError(f"There is no option {i}.")
        for i, tick in enumerate(self._boxes):
            tick.value = i in indexes

    def saved_answer(self) -> dict | None:  # noqa: D102
        return {"selected": list(self.selected)}

    def restore(self, answer: dict | None) -> None:  # noqa: D102
        picked = (answer or {}).get("selected")
        if isinstance(picked, list) and all(
            isinstance(i, int) and 0 <= i < len(self._boxes) for i in picked
        ):
            for i, tick in enumerate(self._boxes):
                tick.value = i in picked

    def check(self) -> bool:
        """Show feedback for the ticked options; return True when the answer is right."""
        self.touched = True
        chosen = self.selected
        options = self.spec.options
        if not chosen:
            self._show([("info", "Choose an answer first, then press **Check my answer**.")])
            return False
        right = {i for i, o in enumerate(options) if o.correct}
        lines: list[tuple[str, str]] = []
        for i in chosen:
            o = options[i]
            tone = "good" if o.correct else "bad"
            verdict = "A good choice." if o.correct else "Not the best choice."
            lines.append((tone, f"You chose {_letter(i)}: {verdict} {o.feedback.strip()}"))
        solved = set(chosen) == right
        if solved:
            summary = ("good", "That's right.")
        elif self.spec.multiple and set(chosen) < right:
            summary = ("info", "Good so far. There is at least one more good answer: look again.")
        elif self.spec.multiple:
            summary = ("bad", "Not quite yet. Untick what does not fit and look again.")
        else:
            summary = ("bad", "Not quite. Read why, then try another answer.")
        self._show([summary, *lines])
        if solved:
            self._complete()
        return solved


class SortView(ExerciseView):
    """Put each card in the right category; reasons appear once a card is placed right."""

    kind_label = "Sort the cards"
    #: After this many wrong tries on one card, the right category and the reason are shown.
    reveal_after = 2

    spec: SortExercise

    def _build(self) -> list[w.Widget]:
        # A fixed shuffle per exercise, so the YAML order never gives the answer away and
        # every trainee (and every test) sees the same order.
        self._order = list(range(len(self.spec.cards)))
        random.Random(self.spec.id).shuffle(self._order)
        self._misses = [0] * len(self.spec.cards)
        options = [("Choose a group...", _UNCHOSEN)] + [(c, c) for c in self.spec.categories]
        self._menus = []
        rows = []
        for shown, _ in enumerate(self._order):
            card = self.spec.cards[self._order[shown]]
            menu = _sr_labelled(
                w.Dropdown(
                    options=options,
                    value=_UNCHOSEN,
                    description=f"Group for card {shown + 1}: {_plain_text(card.text)}",
                    layout=w.Layout(width="240px"),
                )
            )
            self._menus.append(menu)
            text = w.HTML(
                _label(f"<b>{shown + 1}.</b> {esc(card.text)}"), layout=w.Layout(flex="1")
            )
            rows.append(w.HBox([text, menu], layout=_FULL))
        self._check = w.Button(description="Check my sorting", button_style="primary")
        self._check.on_click(lambda _b: self.check())
        return [*rows, self._check]

    def _plain_body(self) -> str:
        cards = "\n".join(f"    {n}. {t}" for n, t in enumerate(self.cards, 1))
        return f"    Groups: {', '.join(self.spec.categories)}\n{cards}"

    @property
    def cards(self) -> list[str]:
        """Card texts in the order they are shown."""
        return [self.spec.cards[i].text.strip() for i in self._order]

    @property
    def placements(self) -> dict[str, str | None]:
        """Card text -> the group the trainee chose (None if not placed yet)."""
        return {t: m.value or None for t, m in zip(self.cards, self._menus, strict=True)}

    def place(self, card: int | str, category: str | None) -> None:
        """Put a card (its position as shown, from 0, or its text) in a group."""
        index = self.cards.index(card.strip()) if isinstance(card, str) else card
        if category is not None and category not in self.spec.categories:
            raise ValueError(f"{category!r} is not one of the groups.")
        self._menus[index].value = category or _UNCHOSEN

    def saved_answer(self) -> dict | None:  # noqa: D102
        return {"placements": {t: g for t, g in self.placements.items() if g}}

    def restore(self, answer: dict | None) -> None:  # noqa: D102
        placed = (answer or {}).get("placements")
        if not isinstance(placed, dict):
            return
        for card, group in placed.items():
            if card in self.cards and group in self.spec.categories:
                self._menus[self.cards.index(card)].value = group

    def check(self) -> bool:
        """Show which cards are right (with why); return True when all are right."""
        self.touched = True
        lines: list[tuple[str, str]] = []
        unplaced = 0
        right = 0
        for shown, menu in enumerate(self._menus):
            card = self.spec.cards[self._order[shown]]
            label = f"Card {shown + 1}, {_quote(card.text)},"
            if menu.value == _UNCHOSEN:
                unplaced += 1
            elif menu.value == card.answer:
                right += 1
                lines.append(
                    ("good", f"{label} belongs in {_quote(card.answer)}. {card.why.strip()}")
                )
            else:
                self._misses[self._order[shown]] += 1
                if self._misses[self._order[shown]] >= self.reveal_after:
                    lines.append(
                        (
                            "bad",
                            f"{label} is not {_quote(menu.value)}. It belongs in "
                            f"{_quote(card.answer)}. {card.why.strip()}",
                        )
                    )
                else:
                    lines.append(
                        (
                            "bad",
                            f"{label} is not {_quote(menu.value)}. Think again and try another "
                            "group.",
                        )
                    )
        total = len(self._menus)
        if right == total:
            summary = ("good", "Every card is in the right group.")
        elif unplaced:
            summary = ("info", f"{right} of {total} right so far; {unplaced} still to place.")
        else:
            summary = ("bad", f"{right} of {total} right. Move the others and check again.")
        self._show([summary, *lines])
        if right == total:
            self._complete()
        return right == total


class DecisionView(ExerciseView):
    """Walk a scenario one choice at a time; each choice explains why it helps or hurts."""

    kind_label = "What would you do?"

    spec: DecisionExercise

    def _build(self) -> list[w.Widget]:
        self._node_html = w.HTML(layout=_FULL)
        self._choices = w.VBox(layout=_FULL)
        self._again = w.Button(description="Start again")
        self._again.on_click(lambda _b: self.restart())
        self.path: list[str] = []
        #: Choices taken on the current path (positions from 0), saved as the answer.
        self.taken: list[int] = []
        self._goto(self.spec.start)
        return [self._node_html, self._choices, self._again]

    def _goto(self, node_id: str) -> None:
        self.node_id = node_id
        self.path.append(node_id)
        node = self.spec.nodes[node_id]
        self._node_html.value = md_html(node.text)
        rows = []
        for i, choice in enumerate(node.choices or []):
            button = w.Button(description=_letter(i), layout=w.Layout(width="48px"))
            button.on_click(lambda _b, i=i: self.choose(i))
            label = w.HTML(_label(esc(choice.label)), layout=w.Layout(flex="1"))
            rows.append(w.HBox([button, label]))
        self._choices.children = rows
        self._again.layout.display = None if node.end else "none"

    def _plain_body(self) -> str:
        node = self.spec.nodes[self.spec.start]
        choices = "\n".join(
            f"    {_letter(i)}. {c.label.strip()}" for i, c in enumerate(node.choices or [])
        )
        return indent(node.text) + "\n" + choices

    @property
    def node(self):
        """The node the trainee is at now."""
        return self.spec.nodes[self.node_id]

    @property
    def at_end(self) -> bool:
        """True when the scenario has reached an end."""
        return self.node.end

    @property
    def outcome(self) -> str | None:
        """``good``, ``mixed`` or ``poor`` at an end, else None."""
        return self.node.outcome

    @property
    def choice_labels(self) -> list[str]:
        """Labels of the choices at the current node."""
        return [c.label.strip() for c in self.node.choices or []]

    def choose(self, choice: int | str) -> None:
        """Take a choice at the current node (its position from 0, or its label)."""
        if self.at_end:
            raise ValueError("The scenario has ended. Press Start again to try another path.")
        self.touched = True
        index = self.choice_labels.index(choice.strip()) if isinstance(choice, str) else choice
        picked = (self.node.choices or [])[index]
        lines = [("info", f"You chose: {_sentence(picked.label)} {picked.feedback.strip()}")]
        self.taken.append(index)
        self._goto(picked.next)
        if self.at_end:
            tone, text = _OUTCOMES[self.outcome]
            if self.outcome == "good":
                lines.append((tone, text))
                self._complete()
            else:
                # A path that ends badly is practice, not completion: try again first.
                lines.append(
                    (
                        tone,
                        f"{text} Press Start again and try another path: this exercise "
                        "counts as done when you find a path that goes well.",
                    )
                )
        self._show(lines)

    def saved_answer(self) -> dict | None:  # noqa: D102
        return {"choices": list(self.taken), "outcome": self.outcome}

    def restore(self, answer: dict | None) -> None:  # noqa: D102
        taken = (answer or {}).get("choices")
        if not isinstance(taken, list):
            return
        self.path, self.taken = [], []
        self._goto(self.spec.start)
        for index in taken:
            choices = self.node.choices or []
            if self.at_end or not isinstance(index, int) or not 0 <= index < len(choices):
                break
            self.taken.append(index)
            self._goto(choices[index].next)
        if self.at_end:
            tone, text = _OUTCOMES[self.outcome]
            self._show([(tone, f"Your earlier path ended here. {text}")])

    def restart(self) -> None:
        """Go back to the beginning of the scenario."""
        self.touched = True
        self.path, self.taken = [], []
        self._goto(self.spec.start)
        self._show([])


class _SavesLocally(ExerciseView):
    """Journal and story: text kept in the trainee's own files, asked for an id if needed."""

    def _who_box(self) -> w.VBox:
        self._who = w.VBox()
        self._pending: Callable[[], object] | None = None
        self.trainee_prompt = SignInBox(self._got_trainee)
        return self._who

    def _got_trainee(self, value: str) -> None:
        try:
            self.module.sign_in(value)
        except ValueError as exc:
            self._show([("bad", str(exc))])
            return
        self._who.children = []
        action, self._pending = self._pending, None
        if action is not None:
            action()

    def _need_trainee(self, action: Callable[[], object]) -> bool:
        """True if the trainee is signed in; otherwise ask for the id and retry ``action``."""
        if self.module.trainee is not None:
            return True
        self._pending = action
        self._who.children = [self.trainee_prompt.widget]
        self._show(
            [
                (
                    "info",
                    "To save your writing, sign in with your trainee ID below (or at the "
                    "top of this module).",
                )
            ]
        )
        return False

    def restore(self, answer: dict | None) -> None:  # noqa: D102
        # Writing comes back from the trainee's private journal, not the ledger.
        entry = self._saved_entry()
        if entry:
            self._fill(entry)

    def _fill(self, entry: dict) -> None:
        """Put a saved journal entry back into the boxes."""

    def _saved_entry(self) -> dict:
        if self.module.trainee is None:
            return {}
        try:
            return storage.load_entries(self.module.trainee, self.module.id).get(self.id, {})
        except (OSError, ValueError):
            return {}

    def _save(self, entry: dict) -> str:
        self.touched = True
        path = storage.save_entry(self.module.trainee, self.module.id, self.id, entry)
        self.saved_path = path
        return (
            f"Saved on this computer in `{path.name}` (folder `{path.parent}`). "
            "Only you can read it. It is never graded and never sent anywhere."
        )


class JournalView(_SavesLocally):
    """Reflection journal: one text box per question, saved locally, never graded."""

    kind_label = "Reflection journal (private, not graded)"

    spec: JournalExercise

    def _build(self) -> list[w.Widget]:
        saved = self._saved_entry().get("answers", [])
        earlier = {a.get("question"): a.get("answer", "") for a in saved if isinstance(a, dict)}
        self._areas = []
        rows: list[w.Widget] = []
        for question in self.spec.questions:
            area = _sr_labelled(
                w.Textarea(
                    value=earlier.get(question, ""),
                    placeholder="Write as much or as little as you like.",
                    description=_plain_text(question),
                    layout=w.Layout(width="100%", height="7em"),
                )
            )
            self._areas.append(area)
            rows += [w.HTML(md_html(question), layout=_FULL), area]
        self.saved_path = None
        self._save_button = w.Button(description="Save my reflection", button_style="primary")
        self._save_button.on_click(lambda _b: self.save())
        return [*rows, self._save_button, self._who_box()]

    def _fill(self, entry: dict) -> None:
        saved = entry.get("answers", [])
        earlier = {a.get("question"): a.get("answer", "") for a in saved if isinstance(a, dict)}
        for question, area in zip(self.spec.questions, self._areas, strict=True):
            if not area.value and earlier.get(question):
                area.value = earlier[question]

    def _plain_body(self) -> str:
        return "\n".join(f"    - {q.strip()}" for q in self.spec.questions)

    @property
    def answers(self) -> list[str]:
        """What is written in each box, in question order."""
        return [a.value for a in self._areas]

    def write(self, question: int, text: str) -> None:
        """Type ``text`` into the box of question ``question`` (from 0)."""
        self._areas[question].value = text

    def save(self) -> bool:
        """Save the reflection to the trainee's own journal file; True when saved."""
        if not any(a.strip() for a in self.answers):
            self._show([("info", "Write something in at least one box, then save.")])
            return False
        if not self._need_trainee(self.save):
            return False
        entry = {
            "kind": "journal",
            "answers": [
                {"question": q, "answer": a}
                for q, a in zip(self.spec.questions, self.answers, strict=True)
            ],
        }
        try:
            message = self._save(entry)
        except OSError as exc:
            self._show([("bad", f"Your reflection could not be saved: {exc.strerror}.")])
            return False
        self._show([("good", message)])
        self._complete()
        return True


class StoryView(_SavesLocally):
    """Build a purposeful, boundaried story one short part at a time."""

    kind_label = "Telling your story (private, not graded)"

    spec: StoryExercise

    def _build(self) -> list[w.Widget]:
        saved = self._saved_entry()
        style = {"description_width": "initial"}

        def menu(label: str, values: list[str], current: str | None) -> w.Dropdown:
            options = [("Choose...", _UNCHOSEN)] + [(v, v) for v in values]
            return w.Dropdown(
                options=options,
                value=current if current in values else _UNCHOSEN,
                description=label,
                style=style,
                layout=w.Layout(width="100%"),
            )

        self._purpose = menu("Why am I telling it?", self.spec.purposes, saved.get("purpose"))
        self._audience = menu("Who will hear it?", self.spec.audiences, saved.get("audience"))
        parts = saved.get("parts", {}) if isinstance(saved.get("parts"), dict) else {}
        self._areas: dict[str, w.Textarea] = {}
        self._counts: dict[str, w.HTML] = {}
        rows: list[w.Widget] = [self._purpose, self._audience]
        for step in self.spec.steps:
            area = _sr_labelled(
                w.Textarea(
                    value=parts.get(step.id, ""),
                    description=_plain_text(step.label),
                    layout=w.Layout(width="100%", height="6em"),
                )
            )
            count = w.HTML()
            area.observe(lambda _c: self._refresh(), names="value")
            self._areas[step.id] = area
            self._counts[step.id] = count
            rows += [
                w.HTML(f"<b>{esc(step.label)}</b>{md_html(step.help)}", layout=_FULL),
                area,
                count,
            ]
        self._warnings = w.HTML(layout=_FULL)
        rows.append(self._warnings)
        rows.append(w.HTML("<b>Before you share it, check your draft:</b>"))
        self._checks = []
        for check in self.spec.boundary_checks:
            toggle = w.ToggleButtons(options=["yes", "no"], value=None)
            self._checks.append(toggle)
            question = w.HTML(_label(esc(check.question)), layout=w.Layout(flex="1"))
            rows.append(w.HBox([question, toggle]))
        previous = saved.get("boundary_answers", [])
        for toggle, answer in zip(self._checks, previous, strict=False):
            if answer in ("yes", "no"):
                toggle.value = answer
        self._preview = w.HTML(layout=_FULL)
        buttons = []
        for label, action, style_name in (
            ("Preview my story", self.preview, ""),
            ("Save my draft", self.save, ""),
            ("My story is ready", self.mark_ready, "primary"),
        ):
            button = w.Button(description=label, button_style=style_name)
            button.on_click(lambda _b, action=action: action())
            buttons.append(button)
        self.saved_path = None
        self._refresh()
        return [*rows, w.HBox(buttons), self._who_box(), self._preview]

    def _fill(self, entry: dict) -> None:
        if self._purpose.value == _UNCHOSEN and entry.get("purpose") in self.spec.purposes:
            self._purpose.value = entry["purpose"]
        if self._audience.value == _UNCHOSEN and entry.get("audience") in self.spec.audiences:
            self._audience.value = entry["audience"]
        parts = entry.get("parts") if isinstance(entry.get("parts"), dict) else {}
        for step_id, area in self._areas.items():
            if not area.value and isinstance(parts.get(step_id), str):
                area.value = parts[step_id]
        for toggle, value in zip(self._checks, entry.get("boundary_answers", []), strict=False):
            if toggle.value is None and value in ("yes", "no"):
                toggle.value = value

    def _plain_body(self) -> str:
        steps = "\n".join(f"    - {s.label.strip()}" for s in self.spec.steps)
        return f"    Parts of your story:\n{steps}"

    # --- state -----------------------------------------------------------------------
    @property
    def purpose(self) -> str | None:
        """The chosen purpose (None until one is chosen)."""
        return self._purpose.value or None

    @property
    def audience(self) -> str | None:
        """The chosen audience (None until one is chosen)."""
        return self._audience.value or None

    @property
    def parts(self) -> dict[str, str]:
        """Step id -> the text written for it."""
        return {k: a.value for k, a in self._areas.items()}

    @property
    def word_counts(self) -> dict[str, int]:
        """Step id -> number of words written."""
        return {k: _words(v) for k, v in self.parts.items()}

    @property
    def warnings(self) -> list[str]:
        """Gentle warnings for red-flag phrases found in the draft."""
        text = "\n".join(self.parts.values()).casefold()
        return [f.message.strip() for f in self.spec.red_flags if f.pattern.casefold() in text]

    @property
    def draft_text(self) -> str:
        """The whole draft as it would be told, part after part."""
        return "\n\n".join(v.strip() for v in self.parts.values() if v.strip())

    def _refresh(self) -> None:
        for step in self.spec.steps:
            n = _words(self._areas[step.id].value)
            if n > step.max_words:
                text = f"{n} words: a little long. Try to keep this part to {step.max_words}."
                self._counts[step.id].value = f"<span style='color:#8a5a00'>{text}</span>"
            else:
                self._counts[
                    step.id
                ].value = f"<span style='color:#555'>{n} of {step.max_words} words</span>"
        self._warnings.value = box([("warn", m) for m in self.warnings])

    # --- actions ---------------------------------------------------------------------
    def set_purpose(self, purpose: str) -> None:
        """Choose why you are telling the story (one of the listed purposes)."""
        self._purpose.value = purpose

    def set_audience(self, audience: str) -> None:
        """Choose who will hear the story (one of the listed audiences)."""
        self._audience.value = audience

    def write(self, step_id: str, text: str) -> None:
        """Write the part of the story for one step."""
        self._areas[step_id].value = text

    def answer(self, check: int, value: str) -> None:
        """Answer boundary question ``check`` (from 0) with "yes" or "no"."""
        self._checks[check].value = value

    def preview(self) -> str:
        """Show the draft with its purpose and audience; return it as plain text."""
        head = f"Purpose: {self.purpose or '(not chosen yet)'}\n"
        head += f"Audience: {self.audience or '(not chosen yet)'}"
        text = head + "\n\n" + (self.draft_text or "(nothing written yet)")
        self._preview.value = (
            f"<div style='background:#f6f6f6;padding:8px 12px;margin-top:6px'>{esc(text)}</div>"
        )
        return text

    def problems(self) -> list[tuple[str, str]]:
        """What still stands between the draft and "ready", as feedback lines."""
        lines: list[tuple[str, str]] = []
        if self.purpose is None:
            lines.append(("info", "Choose why you are telling this story."))
        if self.audience is None:
            lines.append(("info", "Choose who will hear it."))
        for step in self.spec.steps:
            n = self.word_counts[step.id]
            if n == 0:
                lines.append(("info", f'Write the part called "{step.label.strip()}".'))
            elif n > step.max_words:
                lines.append(
                    (
                        "warn",
                        f'"{step.label.strip()}" has {n} words. Shorten it to '
                        f"{step.max_words} or fewer: a short story keeps the focus on the "
                        "family you are supporting.",
                    )
                )
        for toggle, check in zip(self._checks, self.spec.boundary_checks, strict=True):
            if toggle.value is None:
                lines.append(("info", f"Answer the question: {check.question.strip()}"))
            elif toggle.value != check.safe_answer:
                lines.append(("bad", f"{check.question.strip()} {check.why.strip()}"))
        return lines

    def _entry(self, ready: bool) -> dict:
        return {
            "kind": "story",
            "purpose": self.purpose,
            "audience": self.audience,
            "parts": self.parts,
            "boundary_answers": [t.value for t in self._checks],
            "ready": ready,
        }

    def save(self) -> bool:
        """Save the draft (ready or not) to the trainee's own files; True when saved."""
        if not self.draft_text:
            self._show([("info", "Write at least one part of your story, then save.")])
            return False
        if not self._need_trainee(self.save):
            return False
        try:
            message = self._save(self._entry(ready=self.done))
        except OSError as exc:
            self._show([("bad", f"Your draft could not be saved: {exc.strerror}.")])
            return False
        self._show([("good", message)])
        return True

    def mark_ready(self) -> bool:
        """Check the draft; when nothing is left to fix, save it and mark it ready."""
        lines = self.problems()
        if lines:
            self._show([("info", "Your story is not ready yet:"), *lines])
            return False
        if not self._need_trainee(self.mark_ready):
            return False
        try:
            message = self._save(self._entry(ready=True))
        except OSError as exc:
            self._show([("bad", f"Your story could not be saved: {exc.strerror}.")])
            return False
        self.preview()
        done = [
            (
                "good",
                "Your story is ready: it has a purpose, a listener in mind, and it respects "
                "your family's privacy.",
            ),
            *[("warn", m) for m in self.warnings],
            ("info", message),
        ]
        self._show(done)
        self._complete()
        return True


VIEWS: dict[str, type[ExerciseView]] = {
    "choice": ChoiceView,
    "sort": SortView,
    "decision": DecisionView,
    "journal": JournalView,
    "story": StoryView,
}


class FinishView(Displayed):
    """The closing panel: which exercises are done (updated as each is finished), who
    the hours go to, and the "Record my hours" button."""

    def __init__(self, module: Module):
        self.module = module
        self.message = ""
        self._checklist = w.HTML(layout=_FULL)
        self._message = w.HTML(layout=_FULL)
        self.trainee_prompt = SignInBox(self._got_trainee)
        self._who = w.VBox()
        self._button = w.Button(
            description="Record my hours",
            button_style="success",
            icon="check",
            layout=w.Layout(width="max-content", margin="8px 0"),
        )
        self._button.on_click(lambda _b: self.record())
        session = ""
        if module.info.category == "core":
            session = (
                " Your trainer's facilitated session for this domain, with its skill check, "
                "counts its own hours; your trainer records them."
            )
        head = w.HTML(
            f"{style_tag()}<h3 style='margin:4px 0;font-size:1.1em'>"
            f"Your progress: {esc(module.title)}</h3>"
            f"<div>This module counts for {module.hours:g} hours of {module.hours_kind}: the "
            f"time its reading and exercises take.{session}</div>"
        )
        self.widget = w.VBox(
            [head, self._checklist, self._who, self._button, self._message], layout=_CARD
        )
        self.widget.add_class(CARD_CLASS)
        module.on_change(self._refresh)
        self._refresh()

    def _got_trainee(self, value: str) -> None:
        try:
            self._say(self.module.sign_in(value))
        except ValueError as exc:
            self._say(str(exc))

    def _say(self, text: str) -> None:
        self.message = text
        self._message.value = f"<div role='status' style='margin-top:6px'>{md_html(text)}</div>"

    def _refresh(self) -> None:
        items = []
        for _ex_id, title, done in self.module.checklist():
            mark = "&#10003; done" if done else "not yet"
            colour = "#1b5e20" if done else "#555"
            items.append(f"<li><span style='color:{colour}'>{mark}</span>: {esc(title)}</li>")
        self._checklist.value = f"<ul style='margin:4px 0'>{''.join(items)}</ul>"
        who = self.module.identity
        if who is None:
            self._who.children = [
                w.HTML(
                    "Sign in with the trainee ID from your welcome letter, so your hours go to you."
                ),
                self.trainee_prompt.widget,
            ]
        else:
            self._who.children = [w.HTML(f"Your hours go to <b>{esc(who.label())}</b>.")]

    @property
    def checklist_text(self) -> str:
        """The progress list as plain text."""
        return "\n".join(
            f"[{'x' if done else ' '}] {title}" for _, title, done in self.module.checklist()
        )

    def record(self, trainee_id: str | None = None) -> str:
        """What the button does: record this module's hours once everything is done."""
        if self.module.trainee is None:
            try:
                self.module.sign_in(
                    trainee_id if trainee_id is not None else self.trainee_prompt.text.value
                )
            except ValueError as exc:
                self._say(str(exc))
                return self.message
        try:
            self.module.sync()
            self._refresh()
            left = self.module.remaining()
            if left:
                finished = len(self.module.exercise_ids) - len(left)
                names = "\n".join(f"- {title}" for _, title in left)
                self._say(
                    f"You have finished {finished} of {len(self.module.exercise_ids)} exercises. "
                    f"Please finish these first, then press Record my hours again:\n\n{names}"
                )
            else:
                self._say(self.module.record_hours())
        except ValueError as exc:
            self._say(str(exc))
        return self.message

    def plain_text(self) -> str:
        """A plain-text version of the panel."""
        return (
            f"Your progress: {self.module.title}\n{indent(self.checklist_text)}\n"
            "    (Open this notebook in JupyterLab and press Record my hours when every "
            "exercise is done.)"
        )
