"""Charts for people: a title, labelled axes, domain names (never ids), numbers written on
the bars, and the Okabe–Ito palette, which stays distinguishable with the common kinds of
colour blindness. Colour never carries meaning alone: every bar is labelled.

Figures are built with :class:`matplotlib.figure.Figure` (no pyplot global state), so
they are safe in a long-running dashboard kernel and need no display. Text from the
ledger (names, ids, notes) is drawn as typed: mathtext is off on every figure saved here
(see :mod:`ppskit.reports.safe_export`).
"""

from __future__ import annotations

import base64
import io
import math
import textwrap

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ppskit.framework import load_framework
from ppskit.reports.safe_export import LITERAL_RC, literal_text
from ppskit.status import STAGES

# Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#999999",
}

# Stages grouped by what they mean for a supervisor: still training (blues), waiting on
# an exam or a certificate (orange/yellow), certified (green), trouble (vermillion/black).
STAGE_COLOURS = {
    "ineligible": OKABE_ITO["grey"],
    "in-training": OKABE_ITO["sky"],
    "exam-ready": OKABE_ITO["blue"],
    "retake-open": OKABE_ITO["orange"],
    "grandfathered": OKABE_ITO["purple"],
    "certifiable": OKABE_ITO["yellow"],
    "certified": OKABE_ITO["green"],
    "renewal-due": OKABE_ITO["orange"],
    "expired": OKABE_ITO["vermillion"],
    "suspended": OKABE_ITO["purple"],
    "revoked": OKABE_ITO["black"],
    "inactive": OKABE_ITO["grey"],
}

# Three pairs of stages share a colour (the palette has eight); a hatch tells them apart.
STAGE_HATCHES = {"renewal-due": "//", "suspended": "xx", "inactive": ".."}

HEATMAP_CMAP = "cividis"  # perceptually uniform and designed for colour-vision deficiency
MAX_HEATMAP_ROWS = 40  # above this, trainees are summarised in hour bands

_TEXT = "#1a1a1a"


def _style(ax, title: str, xlabel: str, ylabel: str) -> None:  # noqa: ANN001
    # A figure-level title, left-aligned and wrapped, so a long one is never cut off.
    ax.figure.suptitle(
        "\n".join(textwrap.wrap(title, 75)),
        x=0.01,
        ha="left",
        fontsize=12,
        fontweight="bold",
        color=_TEXT,
    )
    ax.set_xlabel(xlabel, color=_TEXT)
    ax.set_ylabel(ylabel, color=_TEXT)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def domain_names() -> dict[str, str]:
    """Domain id -> the name people read (from the framework)."""
    return {d.id: d.name for d in load_framework().domains}


def stage_chart(counts: pd.Series, title: str = "Trainees by stage") -> Figure:
    """Horizontal bars: how many trainees are at each stage, in the tracker's order."""
    counts = counts.reindex(STAGES, fill_value=0)
    fig = Figure(figsize=(7.5, 4.2), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(counts))[::-1]
    bars = ax.barh(
        y,
        counts.to_numpy(),
        color=[STAGE_COLOURS[s] for s in counts.index],
        edgecolor=_TEXT,
        linewidth=0.6,
    )
    for bar, stage in zip(bars, counts.index, strict=True):
        if stage in STAGE_HATCHES:
            bar.set_hatch(STAGE_HATCHES[stage])
    ax.set_yticks(y, [s.replace("-", " ") for s in counts.index])
    top = max(int(counts.max()), 1)
    ax.set_xlim(0, top * 1.15 + 0.5)
    ax.bar_label(bars, labels=[f"{int(v):,}" for v in counts], padding=3, color=_TEXT)
    if top < 10:
        ax.set_xticks(range(0, top + 2))
    _style(ax, f"{title} ({int(counts.sum()):,} in all)", "Number of trainees", "Stage")
    return fig


def hours_heatmap(hours: pd.DataFrame, labels: dict[str, str] | None = None) -> Figure:
    """Verified core hours by domain.

    Up to ``MAX_HEATMAP_ROWS`` trainees get one row each, labelled with their name; a
    bigger group is summarised as the number of trainees in each band of hours, so the
    chart stays readable for a statewide registry.
    """
    names = domain_names()
    cols = [names.get(c, c) for c in hours.columns]
    if len(hours) <= MAX_HEATMAP_ROWS:
        return _trainee_heatmap(hours, cols, labels or {})
    return _band_heatmap(hours, cols)


def _trainee_heatmap(hours: pd.DataFrame, cols: list[str], labels: dict[str, str]) -> Figure:
    n = max(len(hours), 1)
    # Room for the rotated domain names and the title even with one trainee.
    fig = Figure(figsize=(9, 3.6 + 0.32 * n), layout="constrained")
    ax = fig.add_subplot()
    data = hours.to_numpy(dtype=float) if len(hours) else np.zeros((1, len(cols)))
    vmax = max(float(data.max()), 1.0)
    im = ax.imshow(data, aspect="auto", cmap=HEATMAP_CMAP, vmin=0, vmax=vmax)
    ax.set_xticks(range(len(cols)), cols, rotation=35, ha="right", rotation_mode="anchor")
    rows = [labels.get(t, t) for t in hours.index] if len(hours) else ["(no trainees)"]
    ax.set_yticks(range(len(rows)), rows)
    for (i, j), v in np.ndenumerate(data):
        # Dark text on the light end of the colour map, light text on the dark end.
        ax.text(
            j,
            i,
            f"{v:g}",
            ha="center",
            va="center",
            fontsize=8,
            color="black" if v > vmax * 0.6 else "white",
        )
    cbar = fig.colorbar(im, ax=ax, shrink=0.8)
    cbar.set_label("Verified hours")
    _style(ax, "Verified core hours by domain", "Core competency domain", "Trainee")
    return fig


def _band_heatmap(hours: pd.DataFrame, cols: list[str]) -> Figure:
    edges = [0.0, 1e-9, 2.0, 4.0, 6.0, math.inf]
    band_labels = ["none", "under 2 h", "2 to 4 h", "4 to 6 h", "6 h or more"]
    data = np.zeros((len(band_labels), hours.shape[1]))
    values = hours.to_numpy(dtype=float)
    for b in range(len(band_labels)):
        lo, hi = edges[b], edges[b + 1]
        inside = (values >= lo) & (values < hi) if b else values < hi
        data[b] = inside.sum(axis=0)
    fig = Figure(figsize=(9, 4.2), layout="constrained")
    ax = fig.add_subplot()
    im = ax.imshow(data, aspect="auto", cmap=HEATMAP_CMAP, vmin=0, vmax=max(data.max(), 1))
    ax.set_xticks(range(len(cols)), cols, rotation=35, ha="right", rotation_mode="anchor")
    ax.set_yticks(range(len(band_labels)), band_labels)
    vmax = max(float(data.max()), 1.0)
    for (i, j), v in np.ndenumerate(data):
        ax.text(
            j,
            i,
            f"{int(v):,}",
            ha="center",
            va="center",
            fontsize=8,
            color="black" if v > vmax * 0.6 else "white",
        )
    cbar = fig.colorbar(im, ax=ax, shrink=0.8)
    cbar.set_label("Number of trainees")
    _style(
        ax,
        f"Verified core hours by domain ({len(hours):,} trainees, grouped by hours)",
        "Core competency domain",
        "Verified hours per trainee",
    )
    return fig


def section_pass_chart(sections: pd.DataFrame) -> Figure:
    """Pass rate per exam section: at the first attempt and after retakes."""
    fig = Figure(figsize=(8, 4.6), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(sections))[::-1]
    first = sections["first_pct"].fillna(0).to_numpy()
    final = sections["pass_pct"].fillna(0).to_numpy()
    h = 0.38
    b1 = ax.barh(
        y + h / 2,
        first,
        h,
        color=OKABE_ITO["sky"],
        edgecolor=_TEXT,
        linewidth=0.5,
        label="Passed at the first attempt",
    )
    b2 = ax.barh(
        y - h / 2,
        final,
        h,
        color=OKABE_ITO["blue"],
        edgecolor=_TEXT,
        linewidth=0.5,
        label="Passed, counting retakes",
    )
    sat = sections["sat"].to_numpy()
    ax.bar_label(
        b1,
        labels=[f"{v:.0f}%" if s else "" for v, s in zip(first, sat, strict=True)],
        padding=2,
        fontsize=7,
    )
    ax.bar_label(
        b2,
        labels=[f"{v:.0f}%" if s else "no sittings" for v, s in zip(final, sat, strict=True)],
        padding=2,
        fontsize=7,
    )
    ax.set_yticks(y, [f"{n} ({s:,} sat)" for n, s in zip(sections["name"], sat, strict=True)])
    ax.set_xlim(0, 115)
    ax.set_xticks(range(0, 101, 20))
    fig.legend(loc="outside lower center", ncols=2, fontsize=8, frameon=False)
    _style(ax, "Exam pass rate by section", "Trainees who passed the section (%)", "Section")
    return fig


def trainee_hours_chart(hours: pd.DataFrame, minimum_total: float, verified_total: float) -> Figure:
    """Verified and self-reported core hours per domain, with the curriculum's planned
    hours marked; the title carries the profile's minimum total."""
    fig = Figure(figsize=(8, 4.8), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(hours))[::-1]
    ver = hours["verified"].to_numpy(dtype=float)
    pend = hours["self_reported"].to_numpy(dtype=float)
    ax.barh(
        y,
        ver,
        color=OKABE_ITO["blue"],
        edgecolor=_TEXT,
        linewidth=0.5,
        label="Verified by a trainer",
    )
    ax.barh(
        y,
        pend,
        left=ver,
        color=OKABE_ITO["orange"],
        edgecolor=_TEXT,
        linewidth=0.5,
        hatch="//",
        label="Self-reported, awaiting verification",
    )
    ax.scatter(
        hours["planned"],
        y,
        marker="D",
        s=36,
        color=OKABE_ITO["yellow"],
        edgecolors=_TEXT,
        linewidths=1,
        zorder=3,
        label="Planned hours in the curriculum",
    )
    planned = hours["planned"].to_numpy(dtype=float)
    for yi, v, p, plan in zip(y, ver, pend, planned, strict=True):
        text = f"{v:g}" + (f" + {p:g}" if p else "")
        # Right of the bar, and clear of the planned-hours marker when it is close.
        x = v + p + 0.15 if abs(v + p - plan) > 0.6 else max(v + p, plan) + 0.3
        ax.text(x, yi, text, va="center", fontsize=8, color=_TEXT)
    labels = [
        n + ("  (no verified hours yet)" if v <= 0 else "")
        for n, v in zip(hours["name"], ver, strict=True)
    ]
    ax.set_yticks(y, labels)
    right = max(float((ver + pend).max()), float(hours["planned"].max())) if len(hours) else 1
    ax.set_xlim(0, right * 1.25 + 0.5)
    fig.legend(loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    _style(
        ax,
        f"Core training hours by domain: {verified_total:g} verified of at least "
        f"{minimum_total:g} required",
        "Hours",
        "Core competency domain",
    )
    return fig


def section_scores_chart(sittings: pd.DataFrame, pass_pct: float) -> Figure:
    """Each section's score at every sitting, with the pass mark drawn as a line; bars
    below the pass mark are hatched so the result never depends on colour alone."""
    from matplotlib.patches import Patch

    # Sections in the order the profile records them (grouped sections have their own
    # labels, not domain names).
    order = list(dict.fromkeys(sittings["name"]))
    keys = list(dict.fromkeys(zip(sittings["date"], sittings["form"], strict=True)))
    k = max(len(keys), 1)
    fig = Figure(
        figsize=(8, 1.6 + 0.3 * max(len(order), 1) * (1 + 0.5 * (k - 1))), layout="constrained"
    )
    ax = fig.add_subplot()
    palette = [OKABE_ITO[c] for c in ("blue", "orange", "green", "purple", "vermillion")]
    h = 0.8 / k
    y = np.arange(len(order))[::-1]
    pos = {n: yi for n, yi in zip(order, y, strict=True)}
    handles = []
    for i, (day, form) in enumerate(keys):
        s = sittings[(sittings["date"] == day) & (sittings["form"] == form)]
        ys = np.array([pos[n] for n in s["name"]]) + (k - 1) / 2 * h - i * h
        colour = palette[i % len(palette)]
        bars = ax.barh(ys, s["score_pct"], h, color=colour, edgecolor=_TEXT, linewidth=0.5)
        for bar, ok in zip(bars, s["passed"], strict=True):
            if not ok:
                bar.set_hatch("xx")
                bar.set_facecolor("white")
                bar.set_edgecolor(colour)
        ax.bar_label(
            bars,
            labels=[
                f"{v:g}%" + ("" if ok else " below")
                for v, ok in zip(s["score_pct"], s["passed"], strict=True)
            ],
            padding=2,
            fontsize=7,
        )
        handles.append(
            Patch(facecolor=colour, edgecolor=_TEXT, label=f"Sitting {day} (form {form})")
        )
    handles.append(
        Patch(facecolor="white", edgecolor=_TEXT, hatch="xx", label="Below the pass mark")
    )
    ax.axvline(pass_pct, color=_TEXT, linestyle="--", linewidth=1.2)
    ax.text(pass_pct, len(order) - 0.45, f" pass mark {pass_pct:g}%", fontsize=8, va="bottom")
    ax.set_yticks(y, order)
    ax.set_xlim(0, 112)
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=min(len(handles), 3),
        fontsize=8,
        frameon=False,
    )
    _style(ax, "Exam section scores by sitting", "Score (%)", "Section")
    return fig


def ce_chart(ce_hours: float, required: float, cycle: str) -> Figure:
    """One bar: verified continuing-education hours this cycle against the requirement."""
    fig = Figure(figsize=(7, 1.9), layout="constrained")
    ax = fig.add_subplot()
    ax.barh(
        [0],
        [required],
        color="#e8e8e8",
        edgecolor=_TEXT,
        linewidth=0.5,
        label=f"Required: {required:g} hours",
    )
    ax.barh(
        [0],
        [min(ce_hours, required) if required else ce_hours],
        color=OKABE_ITO["green"],
        edgecolor=_TEXT,
        linewidth=0.5,
        label=f"Verified so far: {ce_hours:g} hours",
    )
    ax.text(
        max(ce_hours, 0) + 0.2, 0, f"{ce_hours:g} of {required:g} hours", va="center", fontsize=9
    )
    ax.set_yticks([0], ["CE hours"])
    ax.set_xlim(0, max(required, ce_hours) * 1.3 + 1)
    fig.legend(loc="outside lower center", fontsize=8, frameon=False, ncols=2)
    _style(ax, f"Continuing education this cycle ({cycle})", "Hours", "")
    return fig


def to_png(fig: Figure, dpi: int = 110) -> bytes:
    """The figure as PNG bytes, every text drawn literally (a name such as
    ``Sam $x$ Lee`` is not read as mathtext)."""
    buf = io.BytesIO()
    literal_text(fig)
    # Texts matplotlib creates while drawing (extra ticks, offsets) take the same setting.
    with mpl.rc_context(LITERAL_RC):
        fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


def to_data_uri(fig: Figure, dpi: int = 110) -> str:
    """The figure as a ``data:image/png;base64,...`` URI for a self-contained page."""
    return "data:image/png;base64," + base64.b64encode(to_png(fig, dpi)).decode("ascii")
