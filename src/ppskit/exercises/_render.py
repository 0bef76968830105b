"""Small rendering helpers shared by the exercise widgets (HTML and plain text)."""

from __future__ import annotations

import html
from functools import cache

#: Tone of a feedback line -> (what it means, colour of its bar, symbol). The line's own
#: words carry the verdict ("That's right.", "Not quite."); the symbol is a second cue
#: for anyone who cannot tell the bar colours apart, so colour is never the only signal.
TONES = {
    "good": ("Yes", "#2e7d32", "\u2713"),  # check mark
    "bad": ("Not quite", "#a33a12", "\u2717"),  # ballot x
    "info": ("Note", "#1f5f8b", "i"),
    "warn": ("Careful", "#8a5a00", "!"),
}

#: Classes the exercise widgets carry, styled by :data:`A11Y_CSS`.
CARD_CLASS = "ppskit-exercise"
#: A choice option: a checkbox whose label is the option's whole text, wrapped.
OPTION_CLASS = "ppskit-option"
#: On a widget with a ``description``: the label is read by screen readers but not shown
#: (the same words are on screen next to the control already).
SR_LABEL_CLASS = "ppskit-sr-label"

# Keyboard users must see where they are: a 3 px outline on the control that has the
# focus (JupyterLab's own is 1 px or only a border colour), dark blue on white, 8.6:1.
A11Y_CSS = f"""
.{CARD_CLASS} :is(input, select, textarea, button):focus-visible {{
  outline: 3px solid #1a4f8b !important;
  outline-offset: 2px;
}}
.{OPTION_CLASS} {{ height: auto !important; }}
.{OPTION_CLASS} > label {{
  display: flex; align-items: flex-start; gap: 8px; width: 100%; height: auto;
  white-space: normal; overflow: visible; line-height: 1.5; padding: 4px 0;
  color: #1a1a1a; font-size: var(--jp-content-font-size1, 14px); cursor: pointer;
}}
.{OPTION_CLASS} > label > input[type="checkbox"] {{
  flex: 0 0 auto; align-self: flex-start; margin: 0.25em 0 0 0;
}}
.{SR_LABEL_CLASS} > .widget-label, .{SR_LABEL_CLASS} > label.widget-label {{
  position: absolute !important; width: 1px !important; height: 1px !important;
  padding: 0 !important; margin: -1px !important; overflow: hidden !important;
  clip: rect(0, 0, 0, 0) !important; white-space: nowrap !important; border: 0 !important;
}}
"""


@cache
def _markdown():
    import mistune

    # escape=True: exercise text is plain markdown; raw HTML in a YAML file is shown as text.
    return mistune.create_markdown(escape=True, plugins=["strikethrough"])


def md_html(text: str) -> str:
    """Markdown (from an exercise file) to HTML, with reading-friendly spacing.

    Widget HTML inherits a fixed 28 px line height meant for one-line labels; paragraphs
    get normal spacing back here.
    """
    body = _markdown()(text or "").strip().replace("<p>", '<p style="margin:0.35em 0">')
    return f'<div style="line-height:1.5">{body}</div>' if body else ""


def esc(text: str) -> str:
    """Escape text a trainee typed before showing it back as HTML."""
    return html.escape(text or "").replace("\n", "<br>")


def style_tag() -> str:
    """The exercise widgets' accessibility stylesheet, as a ``<style>`` element."""
    return f"<style>{A11Y_CSS}</style>"


def box(lines: list[tuple[str, str]]) -> str:
    """HTML for feedback lines ``(tone, markdown)``; empty string for no lines.

    The lines sit in a ``role="status"`` region so that a screen reader reads the
    feedback out when it appears after a button press.
    """
    if not lines:
        return ""
    parts = []
    for tone, text in lines:
        _, colour, symbol = TONES[tone]
        parts.append(
            f'<div style="display:flex;gap:8px;border-left:4px solid {colour};'
            f'padding:4px 10px;margin:6px 0;line-height:1.45">'
            f'<span aria-hidden="true" style="font-weight:bold;color:{colour};'
            f'min-width:1em">{symbol}</span><div>{md_html(text)}</div></div>'
        )
    return f'<div role="status">{"".join(parts)}</div>'


def plain(lines: list[tuple[str, str]]) -> str:
    """The same feedback lines as plain text, one per line."""
    return "\n".join(text.strip() for _, text in lines)


def indent(text: str, prefix: str = "    ") -> str:
    """Indent every line of ``text`` (for the plain-text view of an exercise)."""
    return "\n".join(prefix + line if line.strip() else line for line in text.strip().splitlines())


# Keys pressed on an exercise's controls are the trainee's, not JupyterLab's: in command
# mode JupyterLab takes the arrow keys (move to another cell), Enter (edit the cell) and
# letters ("R" makes the cell raw, "D D" deletes it), so a keyboard user could neither
# pick a group in a menu with the arrow keys nor type to jump to one. This invisible
# widget finds the exercise card it sits in and keeps those plain keys inside it; the
# browser's own handling (select, checkbox, button) is left alone, and keys with Ctrl,
# Alt or Cmd (Ctrl+S, Shift+Enter to run) still reach JupyterLab.
_KEY_GUARD_ESM = f"""
const KEYS = new Set(["Enter", "Home", "End", "PageUp", "PageDown"]);
function guard(card) {{
  if (card.dataset.ppskitKeyGuard) return;
  card.dataset.ppskitKeyGuard = "1";
  card.addEventListener("keydown", (event) => {{
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key.startsWith("Arrow") || event.key.length === 1 || KEYS.has(event.key)) {{
      event.stopPropagation();
    }}
  }});
}}
function render({{ el }}) {{
  let tries = 0;
  // The card is put on the page just after this widget is drawn: look for it a few times.
  const find = () => {{
    const card = el.closest(".{CARD_CLASS}");
    if (card) guard(card);
    else if (tries++ < 200) requestAnimationFrame(find);
  }};
  find();
}}
export default {{ render }};
"""

_key_guard_class: type | None = None


def key_guard():  # noqa: ANN201
    """An invisible widget that keeps plain keys on an exercise card away from
    JupyterLab's command-mode shortcuts (None when anywidget is not installed)."""
    global _key_guard_class
    if _key_guard_class is None:
        try:
            import anywidget
        except ImportError:
            return None

        class KeyGuard(anywidget.AnyWidget):
            _esm = _KEY_GUARD_ESM

        _key_guard_class = KeyGuard
    import ipywidgets as w

    return _key_guard_class(layout=w.Layout(display="none"))


class Displayed:
    """A view a notebook shows as its widget (``self.widget``), and a plain viewer or a
    headless run as :meth:`plain_text`."""

    def plain_text(self) -> str:  # pragma: no cover - every view defines it
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.plain_text()

    def _repr_mimebundle_(self, include=None, exclude=None):
        data = self.widget._repr_mimebundle_() or {}
        data["text/plain"] = self.plain_text()
        return data
