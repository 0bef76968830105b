"""Ledger text leaves the kit as text: in CSV and Excel files, and in charts.

Names, notes and ids are typed by people, so a trainee called ``=HYPERLINK(...)`` or
``@SUM(1)`` must not become a formula when a supervisor opens an export in a
spreadsheet (OWASP, "CSV Injection"), and ``Sam $x$ Lee`` must not become mathematics
in a chart. Every export and every chart goes through this one module.

* CSV: a text cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets
  a leading ``'``, which spreadsheets show as "this is text" and hide. Numbers are left
  alone, also when a column holds them as text (``-0.12`` is a number, not a formula).
* Excel: cells are written by XlsxWriter with ``strings_to_formulas`` (and
  ``strings_to_urls``) off, so every text is a string cell, shown exactly as typed.
* Charts: :func:`literal_text` switches matplotlib's mathtext off on every text of a
  figure.

``defusedcsv`` (PyPI) does the CSV part for the ``csv`` module, but pandas writes through
its own writer, and that package leaves tab and carriage return alone and rewrites
``|`` inside cells; so the few lines are here instead.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

#: First characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# A plain number written as text ("-0.12", "+3", "1e-5") is never a formula.
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")

#: XlsxWriter options: text stays text (no formulas, no automatic links or numbers).
XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def defuse_cell(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text a spreadsheet would run as a
    formula; anything else (numbers, dates, empty cells, safe text) unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.match(value):
        return "'" + value
    return value


def defuse_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells and column names are safe to open in a
    spreadsheet; numeric columns are not touched."""
    import pandas as pd

    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s):
            out[col] = s.map(defuse_cell)
    out.columns = [defuse_cell(c) for c in out.columns]
    return out


def csv_text(df: pd.DataFrame) -> str:
    """``df`` as CSV text (no index, ``\\n`` line ends) with formula-like text defused."""
    return defuse_frame(df).to_csv(index=False, lineterminator="\n")


def write_csv(df: pd.DataFrame, path: Path | str) -> Path:
    """Write ``df`` to ``path`` as CSV (UTF-8, no index) with formula-like text defused."""
    path = Path(path)
    path.write_text(csv_text(df), encoding="utf-8")
    return path


def excel_writer(path: Path | str) -> pd.ExcelWriter:
    """A pandas ``ExcelWriter`` (XlsxWriter) that writes every text as a string cell."""
    import pandas as pd

    return pd.ExcelWriter(path, engine="xlsxwriter", engine_kwargs={"options": XLSX_OPTIONS})


#: matplotlib settings for drawing ledger text literally (used around ``savefig``).
LITERAL_RC = {"text.parse_math": False, "text.usetex": False}


def literal_text(fig: Figure) -> Figure:
    """Show every text of ``fig`` as typed: no mathtext (``$...$``), no TeX.

    Call it when the figure is complete (tick labels set), before it is saved; the
    figure is changed in place and returned.
    """
    from matplotlib.text import Text

    for text in fig.findobj(Text):
        text.set_usetex(False)
        text.set_parse_math(False)
    return fig
