"""The "My training" page as a trainee sees it: one panel, plain words, no code.

Signed in the same way as every module (:mod:`ppskit.exercises.identity`); the figures
come from :func:`ppskit.my_training.my_training` through the backend (the ledger, or
the hub's progress service for the hub user's own trainee id only).
"""

from __future__ import annotations

import ipywidgets as w

from ppskit.exercises import identity
from ppskit.exercises._render import Displayed, esc
from ppskit.exercises.backend import default_backend
from ppskit.exercises.widgets import _CARD, _FULL, SignInBox


def _h(hours: float | None) -> str:
    if hours is None:
        return "-"
    return f"{hours:g} hour" + ("" if abs(hours - 1) < 1e-9 else "s")


def _bar(done: float, total: float, label: str) -> str:
    """A progress bar with its numbers in words beside it (never the bar alone)."""
    total = max(total, 0.0)
    value = min(done, total) if total else 0
    return (
        f"<progress max='{total:g}' value='{value:g}' aria-label='{esc(label)}' "
        "style='width:12em;height:1em;vertical-align:middle'></progress>"
    )


def render_html(data: dict) -> str:
    """The page's HTML from :func:`ppskit.my_training.my_training`'s dict."""
    core = data["core"]
    need = core["needed"]
    parts = [
        f"<h2 style='margin:4px 0'>My training: {esc(data['name'])}</h2>",
        f"<p>Trainee ID {esc(data['trainee_id'])} &middot; {esc(data['profile'])}</p>",
        "<h3>Where you are</h3>",
        f"<p><b>{esc(data['stage_plain'])}</b> ({esc(data['stage_label'])}).</p>",
    ]
    steps = []
    if data["next_action"]:
        said = data["next_action"].strip().rstrip(".")
        steps.append(esc(said[0].upper() + said[1:]) + ".")
    if data["next_module"]:
        m = data["next_module"]
        steps.append(
            f"Next module: <b>{esc(m['title'])}</b> ({m['done']} of {m['total']} exercises done)."
        )
    if steps:
        parts.append("<h3>Your next step</h3><ul>" + "".join(f"<li>{s}</li>" for s in steps))
        parts.append("</ul>")
    parts.append("<h3>Hours</h3>")
    if need:
        parts.append(
            f"<p>{_bar(core['verified'], need, 'verified core training hours')} "
            f"<b>{_h(core['verified'])}</b> of the {_h(need)} of {esc(core['label'])} are "
            f"verified; {_h(core['waiting'])} wait for your trainer to verify them.</p>"
        )
    else:
        parts.append(
            f"<p>{_h(core['verified'])} of core training verified; {_h(core['waiting'])} "
            "waiting for your trainer.</p>"
        )
    ce = data["ce"]
    if ce["verified"] or ce["waiting"]:
        parts.append(
            f"<p>Continuing education: {_h(ce['verified'])} verified, {_h(ce['waiting'])} "
            "waiting.</p>"
        )
    rows = []
    for m in data["modules"]:
        if m["complete"]:
            state = "&#10003; finished"
        elif m["done"]:
            state = f"{m['done']} of {m['total']} exercises done"
        else:
            state = "not started"
        if m["hours_entry"] is None:
            hours = "not recorded yet" if m["complete"] else "-"
        else:
            hours = "verified" if m["verified"] else "recorded, waiting for your trainer"
        kind = "core" if m["category"] == "core" else "continuing education"
        rows.append(
            f"<tr><td>{esc(m['title'])}</td><td>{kind}</td><td>{state}</td>"
            f"<td>{_h(m['hours'])}: {hours}</td></tr>"
        )
    parts.append(
        "<h3>Modules</h3><table><caption>Your modules, in order</caption><thead><tr>"
        "<th scope='col'>Module</th><th scope='col'>Counts as</th>"
        "<th scope='col'>Exercises</th><th scope='col'>Hours</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )
    srows = []
    for s in data["sessions"]:
        if s["category"] != "core" and not s["attended"]:
            continue
        came = f"&#10003; attended, {_h(s['hours_recorded'])}" if s["attended"] else "not yet"
        if not s["skill_check"]:
            check = "no skill check"
        elif s["skill_check_passed"]:
            check = "&#10003; passed"
        elif s["skill_check_tried"]:
            check = "not passed yet: your trainer will plan another try"
        else:
            check = "not yet"
        srows.append(f"<tr><td>{esc(s['title'])}</td><td>{came}</td><td>{check}</td></tr>")
    parts.append(
        "<h3>Sessions with your trainer</h3><table><caption>Facilitated sessions and "
        "observed skill checks (your trainer records them)</caption><thead><tr>"
        "<th scope='col'>Session</th><th scope='col'>Attended</th>"
        "<th scope='col'>Skill check</th></tr></thead><tbody>" + "".join(srows) + "</tbody></table>"
    )
    exam = data["exam"] or "no exam recorded yet"
    parts.append(f"<h3>Certification exam</h3><p>{esc(exam)}.</p>")
    if data["certified_on"]:
        parts.append(
            f"<p>Certified on {esc(data['certified_on'])}; the certificate runs to "
            f"{esc(data['expires_on'])}.</p>"
        )
    style = (
        "<style>.ppskit-mt table{border-collapse:collapse;margin:6px 0}"
        ".ppskit-mt th,.ppskit-mt td{border:1px solid #999;padding:3px 8px;text-align:left}"
        ".ppskit-mt caption{text-align:left;font-weight:bold;padding:4px 0}</style>"
    )
    return (
        style
        + "<div class='ppskit-mt' role='region' aria-label='My training'>"
        + "".join(parts)
        + "</div>"
    )


class MyTrainingView(Displayed):
    """The "My training" panel: sign in (once, shared with the modules), then the page."""

    def __init__(self, *, trainee: str | None = None, db: str | None = None, backend=None):  # noqa: ANN001
        self.backend = backend if backend is not None else default_backend(db)
        self.data: dict | None = None
        self.message = ""
        self._page = w.HTML(layout=_FULL)
        self._form = w.VBox()
        self._message = w.HTML(layout=_FULL)
        self.sign_in_box = SignInBox(self.sign_in)
        self.widget = w.VBox([self._form, self._message, self._page], layout=_CARD)

        def who(trainee_id: str) -> dict | None:
            try:
                return self.backend.who(trainee_id)
            except Exception as exc:  # the registry cannot be reached: say it plainly
                raise LookupError(
                    "Your training record cannot be reached just now. Please try again "
                    "later, or tell your trainer."
                ) from exc

        self._who = who
        found, notice = identity.resolve(who, trainee)
        self.identity = found
        self._say(notice)
        self._refresh()

    def _say(self, text: str) -> None:
        self.message = text
        self._message.value = f"<div role='status'>{esc(text)}</div>" if text else ""

    def _refresh(self) -> None:
        if self.identity is None:
            self._form.children = [
                w.HTML(
                    "<b>Please sign in</b> with the trainee ID from your welcome letter to "
                    "see your training."
                ),
                self.sign_in_box.widget,
            ]
            self._page.value = ""
            self.data = None
            return
        self._form.children = []
        try:
            self.data = self.backend.my_training(self.identity.trainee_id)
        except Exception:  # a fault the trainee can only report
            self._say(
                "Your training record could not be read just now. Please try again later, "
                "or tell your trainer."
            )
            return
        self._page.value = render_html(self.data)

    def sign_in(self, value: str) -> str:
        """What the Sign in button does (checked against the registry, remembered)."""
        try:
            trainee_id = identity.checked_id(value)
            card = self._who(trainee_id)
        except (ValueError, LookupError) as exc:
            self._say(str(exc))
            return self.message
        if card is None:
            self._say(identity.unknown_id_message(trainee_id))
            return self.message
        try:
            identity.remember(card["trainee_id"])
        except OSError:
            pass
        self.identity = identity.Identity(card["trainee_id"], card.get("name"), "signed in")
        self._say(f"Signed in as {self.identity.label()}.")
        self._refresh()
        return self.message

    def plain_text(self) -> str:
        """The page as plain text (a viewer without widgets)."""
        if self.data is None:
            return "My training: please sign in with your trainee ID to see your training."
        d = self.data
        return (
            f"My training: {d['name']} ({d['trainee_id']}). {d['stage_plain']}. "
            f"Core hours verified: {d['core']['verified']:g}."
        )
