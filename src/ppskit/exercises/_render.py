"""Small rendering helpers shared by the exercise widgets (HTML and plain text)."""

from __future__ import annotations

import html
from functools import cache

#: Tone of a feedback line -> (label read by a screen reader or in plain text, colour).
TONES = {
    "good": ("Yes", "#2e7d32"),
    "bad": ("Not quite", "#a33a12"),
    "info": ("Note", "#1f5f8b"),
    "warn": ("Careful", "#8a5a00"),
}


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


def box(lines: list[tuple[str, str]]) -> str:
    """HTML for feedback lines ``(tone, markdown)``; empty string for no lines."""
    if not lines:
        return ""
    parts = []
    for tone, text in lines:
        _, colour = TONES[tone]
        parts.append(
            f'<div style="border-left:4px solid {colour};padding:4px 10px;margin:6px 0;'
            f'line-height:1.45">{md_html(text)}</div>'
        )
    return "".join(parts)


def plain(lines: list[tuple[str, str]]) -> str:
    """The same feedback lines as plain text, one per line."""
    return "\n".join(text.strip() for _, text in lines)


def indent(text: str, prefix: str = "    ") -> str:
    """Indent every line of ``text`` (for the plain-text view of an exercise)."""
    return "\n".join(prefix + line if line.strip() else line for line in text.strip().splitlines())
