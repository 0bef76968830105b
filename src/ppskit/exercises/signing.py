"""The Code of Ethics signing panel of the code-of-ethics module (``module.sign_code()``).

Every principle of the code is listed with its own "I understand and agree" checkbox;
the trainee types their full name and presses Sign. The signature goes to the ledger as
the fact ``code-of-ethics`` (:func:`ppskit.ledger.ethics_signature.sign_code_of_ethics`),
only when the button is pressed: opening or running the notebook records nothing.

Like the exercise views, the panel can be driven without a browser: ``agree``,
``type_name`` and ``sign`` do what the boxes and the button do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as w

from ppskit.exercises._render import Displayed, esc, md_html
from ppskit.exercises.widgets import _CARD, _FULL
from ppskit.ledger.ethics_signature import load_code

if TYPE_CHECKING:
    from ppskit.exercises.module import Module

AGREE = "I understand and agree"


class SigningView(Displayed):
    """The code's principles, a checkbox each, a typed name and a Sign button."""

    def __init__(self, module: Module):
        self.module = module
        self.code = load_code()
        self.message = ""
        self.signed = False
        rows: list[w.Widget] = []
        self._boxes: list[w.Checkbox] = []
        for number, p in enumerate(self.code.principles, start=1):
            rows.append(w.HTML(md_html(f"**{number}. {p.title}**\n\n{p.text}"), layout=_FULL))
            # The principle's title is part of the label, so a screen reader says which
            # promise each box agrees to, not twelve identical "I understand and agree".
            box = w.Checkbox(
                value=False,
                description=f"{AGREE}: {p.title}",
                indent=False,
                layout=w.Layout(width="100%", margin="0 0 10px 0"),
            )
            self._boxes.append(box)
            rows.append(box)
        self._name = w.Text(
            placeholder="Type your first and last name",
            description="Your full name",
            layout=w.Layout(width="60%"),
        )
        self._name.style.description_width = "initial"
        # No "That's me" button of its own: pressing Sign uses the ID typed here.
        self._trainee = w.Text(placeholder="for example: t-0042", description="Your trainee ID")
        self._trainee.style.description_width = "initial"
        self._who = w.VBox(
            [self._trainee]
            if module.trainee is None
            else [w.HTML(f"Trainee ID: <b>{esc(module.trainee)}</b>")]
        )
        self._button = w.Button(
            description="Sign",
            button_style="primary",
            icon="pencil",
            tooltip="Sign the Code of Ethics",
            layout=w.Layout(width="max-content", margin="8px 0"),
        )
        self._button.on_click(lambda _b: self.sign())
        self._message = w.HTML(layout=_FULL)
        head = w.HTML(
            f"<h3 style='margin:4px 0;font-size:1.1em'>{esc(self.code.title)} (version "
            f"{esc(self.code.version)})</h3>{md_html(self.code.intro)}",
            layout=_FULL,
        )
        self.widget = w.VBox(
            [head, *rows, self._name, self._who, self._button, self._message], layout=_CARD
        )

    # --- what the boxes and the button do --------------------------------------------
    def agree(self, *indexes: int) -> None:
        """Tick the boxes of these principles (from 0); no index ticks them all."""
        for i in indexes or range(len(self._boxes)):
            self._boxes[i].value = True

    def type_name(self, name: str) -> None:
        """Type ``name`` into the full-name box."""
        self._name.value = name

    @property
    def not_agreed(self) -> list[str]:
        """Titles of the principles whose box is not ticked."""
        return [
            p.title for p, b in zip(self.code.principles, self._boxes, strict=True) if not b.value
        ]

    def _say(self, text: str) -> None:
        self.message = text
        self._message.value = f"<div role='status' style='margin-top:6px'>{md_html(text)}</div>"

    def sign(self, trainee_id: str | None = None) -> str:
        """What Sign does: check every box and the name, then record the signature."""
        missing = self.not_agreed
        if missing:
            names = "\n".join(f"- {t}" for t in missing)
            self._say(
                "Please read each promise and tick its box before you sign. Not ticked yet:"
                f"\n\n{names}"
            )
            return self.message
        if not self._name.value.strip():
            self._say("Please type your full name in the box, then press Sign.")
            return self.message
        if self.module.trainee is None:
            try:
                self.module.sign_in(trainee_id if trainee_id is not None else self._trainee.value)
            except ValueError as exc:
                self._say(str(exc))
                return self.message
            self._who.children = [w.HTML(f"Trainee ID: <b>{esc(self.module.trainee)}</b>")]
        # The ledger is imported only now, when the trainee presses Sign.
        from ppskit.exercises.module import _friendly
        from ppskit.ledger.ethics_signature import SignatureRefused, sign_code_of_ethics

        try:
            outcome = sign_code_of_ethics(
                self.module.trainee, self.code.version, self._name.value, self.module.db
            )
        except SignatureRefused as exc:
            self._say(str(exc))
            return self.message
        except Exception as exc:  # the ledger refused or failed: say so in plain words
            self._say(_friendly(exc))
            return self.message
        self.signed = True
        self._say(outcome.message)
        return self.message

    # --- display -----------------------------------------------------------------------
    def plain_text(self) -> str:
        """A plain-text version of the panel."""
        lines = [f"{self.code.title} (version {self.code.version})", f"    {self.code.intro}"]
        for number, p in enumerate(self.code.principles, start=1):
            lines.append(f"    {number}. {p.title}: {p.text}")
        lines.append(
            "    (Open this notebook in JupyterLab to tick each box, type your name and sign.)"
        )
        return "\n".join(lines)
