"""Accessibility, checked as a person using a screen reader or the keyboard would meet it.

An axe-core audit (the copy of axe.min.js shipped inside ``axe-playwright-python``, so
nothing is downloaded at test time) runs in Debian's chromium on every page in ``PAGES``:
a module notebook in JupyterLab after Run All, the "My training" page, the Voila
supervisor dashboard (each of its tabs) and the HTML reports. Every page must have
**no serious or critical violation**; the full axe results are saved under
``artifacts/axe/`` (git-ignored) for the record.

On a JupyterLab page only what ppskit puts there is asserted: the notebook's rendered
markdown, its output areas and the exercise widgets. JupyterLab's own menus, toolbars
and side panels are not ours to fix; their counts are saved and printed for information.

A second test completes a choice and a sort exercise with the keyboard alone and checks
that the control holding the focus shows a visible outline.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest_browser import (
    REPO,
    chromium_missing_reason,
    course_copy,
    jupyter_env,
    lab_command,
    launch,
    screenshot,
    server,
)

pytestmark = pytest.mark.browser

_REASON = chromium_missing_reason()
if not _REASON:
    try:
        from axe_playwright_python.base import AXE_SCRIPT
    except ImportError:
        _REASON = "axe-playwright-python is not installed (pip install -e '.[test]')"
if _REASON:
    pytest.skip(_REASON, allow_module_level=True)

from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

from ppskit.reports.serve import free_port  # noqa: E402

expect.set_options(timeout=60_000)

AXE_DIR = REPO / "artifacts" / "axe"
#: The impacts that fail the test; "moderate" and "minor" are saved and printed only.
BLOCKING = ("serious", "critical")
#: The notebook on show (JupyterLab may restore notebooks opened earlier, in hidden tabs).
SHOWN = ".jp-NotebookPanel:not(.lm-mod-hidden)"
#: On a JupyterLab page, the parts ppskit renders: markdown cells, outputs, widgets.
NOTEBOOK_SCOPE = [f"{SHOWN} .jp-MarkdownOutput", f"{SHOWN} .jp-OutputArea-output"]
#: The trainee the notebook pages are opened for (a demo trainee, so the ledger has data).
TRAINEE = "DEMO-04"


@dataclass(frozen=True)
class Page:
    """One page to audit: ``kind`` says how it is opened, ``target`` what is opened."""

    name: str
    kind: str  # notebook (JupyterLab), dashboard (Voila) or report (an HTML file)
    target: str
    #: For a page another branch is adding: skip with this reason while it is missing.
    pending: str = ""


#: Every page audited. Adding a page is one line here.
PAGES = [
    Page("module-communication", "notebook", "modules/01-communication/01-communication.ipynb"),
    # Every kind of exercise: the story builder's menus, boxes and yes/no buttons.
    Page(
        "module-telling-your-story",
        "notebook",
        "modules/10-telling-your-story/10-telling-your-story.ipynb",
    ),
    Page(
        "my-training",
        "notebook",
        "modules/00-my-training.ipynb",
        pending="My training page not on this branch",
    ),
    Page("dashboard", "dashboard", "gradebook/dashboard.ipynb"),
    Page("report-transcript", "report", "transcript"),
    Page("report-certificate", "report", "certificate"),
    Page("report-cohort", "report", "cohort"),
    Page("report-renewals", "report", "renewals"),
]

# --------------------------------------------------------------------------- axe


def run_axe(page, context=None) -> dict:  # noqa: ANN001
    """axe-core's results for the page, or for the elements ``context`` selects."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    return page.evaluate(
        "([context, options]) => axe.run(context || document, options)",
        [context, {"resultTypes": ["violations"]}],
    )


def blocking(results: dict) -> list[dict]:
    """The serious and critical violations of one axe run."""
    return [v for v in results["violations"] if v["impact"] in BLOCKING]


def describe(violations: list[dict]) -> str:
    """One line per element at fault: rule id, impact, where, and axe's advice."""
    lines = []
    for v in violations:
        for node in v["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"- {v['id']} ({v['impact']}) at {target}: {v['help']} [{v['helpUrl']}]")
    return "\n".join(lines)


def tally(results: dict) -> dict[str, int]:
    """Elements at fault per impact, e.g. {"serious": 2, "moderate": 1}."""
    counts = Counter()
    for v in results["violations"]:
        counts[v["impact"] or "unknown"] += len(v["nodes"])
    return dict(counts)


def save(name: str, runs: dict[str, dict]) -> Path:
    """Save the full axe results of a page (one entry per state audited)."""
    AXE_DIR.mkdir(parents=True, exist_ok=True)
    path = AXE_DIR / f"{name}.json"
    path.write_text(json.dumps(runs, indent=1), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- servers


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(90_000)
    yield pg
    context.close()


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course copy with the demo ledger, so the pages show real-looking data."""
    from ppskit.demo import build_demo

    root = course_copy(tmp_path_factory.mktemp("a11y") / "course")
    url = f"sqlite:///{root / 'gradebook' / 'ledger.db'}"
    build_demo(db=url)
    # Render every cell at once (no lazy drawing of cells out of view), so the audit sees
    # the whole notebook.
    settings = root / ".jupyter-test" / "lab-settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    return root, url


@pytest.fixture(scope="module")
def lab(course, tmp_path_factory):
    """JupyterLab on the course copy; yields its base address."""
    root, url = course
    port = free_port()
    with server(
        lab_command(root, port),
        url=f"http://127.0.0.1:{port}/api/status",
        env=jupyter_env(root, url, PPSKIT_TRAINEE=TRAINEE),
        cwd=root,
        log=tmp_path_factory.mktemp("lab-log") / "lab.log",
    ):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def dashboard(course, tmp_path_factory):
    """The Voila dashboard, started as ``ppskit dashboard`` starts it; yields its address."""
    root, url = course
    port = free_port()
    token = "a11y-test-token-0123456789"
    with server(
        [sys.executable, "-m", "ppskit", "dashboard", "--port", str(port), "--db", url],
        url=f"http://127.0.0.1:{port}/voila/static/",
        env=jupyter_env(root, url, PPSKIT_DASHBOARD_TOKEN=token),
        cwd=root,
        log=tmp_path_factory.mktemp("dash-log") / "dashboard.log",
    ):
        yield f"http://127.0.0.1:{port}/?token={token}"


@pytest.fixture(scope="module")
def reports(course, tmp_path_factory) -> dict[str, Path]:
    """The HTML reports, written by the ``ppskit`` commands a supervisor runs."""
    root, url = course
    out = tmp_path_factory.mktemp("reports")

    def ppskit(*args: str) -> None:
        subprocess.run(
            [sys.executable, "-m", "ppskit", *args, "--db", url],
            cwd=root,
            check=True,
            capture_output=True,
            text=True,
        )

    ppskit("report", "trainee", "DEMO-07", "--out", str(out / "transcript.html"))
    ppskit("report", "cohort", "--out-dir", str(out / "cohort"))
    # The certificate is printed as PDF; its HTML is the page the PDF is drawn from.
    from ppskit.reports.certificate import certificate_html
    from ppskit.reports.render import page as report_page
    from ppskit.reports.render import renewals_html, renewals_report

    (out / "certificate.html").write_text(certificate_html("DEMO-07", db=url), encoding="utf-8")
    table, as_of = renewals_report(730, db=url)
    (out / "renewals.html").write_text(
        report_page("Renewals", renewals_html(table, as_of=as_of, within=730)), encoding="utf-8"
    )
    return {
        "transcript": out / "transcript.html",
        "certificate": out / "certificate.html",
        "cohort": next((out / "cohort").glob("cohort-*.html")),
        "renewals": out / "renewals.html",
    }


# --------------------------------------------------------------------------- opening pages


def _accept_kernel_dialog(page) -> None:  # noqa: ANN001
    dialog = page.get_by_role("dialog").filter(has_text="Select Kernel")
    try:
        dialog.wait_for(state="visible", timeout=3000)
    except PlaywrightTimeout:
        return
    dialog.get_by_role("button", name=re.compile(r"^Select")).click()


def open_notebook(page, lab: str, path: str) -> None:  # noqa: ANN001
    """Open a notebook in JupyterLab, Run All Cells, and wait until every cell ran."""
    # ?reset: only this notebook, not the ones an earlier page left open in hidden tabs.
    page.goto(f"{lab}/lab/tree/{path}?reset")
    page.wait_for_selector(f"{SHOWN} .jp-Notebook")
    expect(page.get_by_role("button", name=re.compile(r"Python 3.*Idle")).first).to_be_visible()
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    _accept_kernel_dialog(page)
    # Every code cell of a module shows something once it ran (the sign-in header, an
    # exercise, a panel); the inputs are hidden, so no input prompt is there to read.
    page.wait_for_function(
        """(shown) => {
            const cells = [...document.querySelectorAll(shown + ' .jp-CodeCell')];
            return cells.length > 0 && cells.every(c => c.querySelector('.jp-OutputArea-output'));
        }""",
        arg=SHOWN,
    )
    page.wait_for_timeout(1500)  # the widgets draw just after their cell finishes


def audit_notebook(page, lab: str, item: Page) -> dict[str, dict]:  # noqa: ANN001
    """Our parts of a notebook page (asserted), and the whole page (for information)."""
    open_notebook(page, lab, item.target)
    ours = run_axe(page, {"include": [[s] for s in NOTEBOOK_SCOPE]})
    whole = run_axe(page)
    screenshot(page, f"a11y-{item.name}.png")
    return {"ppskit": ours, "jupyterlab-whole-page (information only)": whole}


def audit_dashboard(page, address: str, item: Page) -> dict[str, dict]:  # noqa: ANN001
    """Each tab of the dashboard, as a supervisor opens them one after the other."""
    page.goto(address)
    # The stage chart comes first, the two slower charts a moment later.
    expect(page.locator('[data-report="cohort"] img.chart')).to_have_count(3)
    runs = {"cohort-overview": run_axe(page)}
    screenshot(page, f"a11y-{item.name}-cohort.png")
    page.get_by_role("tab", name="Trainee transcript").click()
    expect(page.locator('[data-report="trainee"]')).to_be_visible()
    runs["trainee-transcript"] = run_axe(page)
    page.get_by_role("tab", name="Office").click()
    expect(page.get_by_role("heading", name="Office", exact=True)).to_be_visible()
    runs["office"] = run_axe(page)
    return runs


def audit_report(page, path: Path, item: Page) -> dict[str, dict]:  # noqa: ANN001
    """A report file as a browser shows it."""
    page.goto(path.as_uri())
    runs = {"page": run_axe(page)}
    screenshot(page, f"a11y-{item.name}.png")
    return runs


# --------------------------------------------------------------------------- the audit


@pytest.mark.parametrize("item", PAGES, ids=[p.name for p in PAGES])
def test_no_serious_or_critical_violations(item: Page, request, page):  # noqa: ANN001
    """axe-core finds no serious or critical violation on the page."""
    if item.kind == "notebook":
        if item.pending and not (REPO / item.target).exists():
            pytest.skip(item.pending)
        runs = audit_notebook(page, request.getfixturevalue("lab"), item)
    elif item.kind == "dashboard":
        runs = audit_dashboard(page, request.getfixturevalue("dashboard"), item)
    else:
        runs = audit_report(page, request.getfixturevalue("reports")[item.target], item)
    saved = save(item.name, runs)
    asserted = {k: v for k, v in runs.items() if "information only" not in k}
    for state, results in runs.items():
        print(f"{item.name} [{state}]: {tally(results) or 'no violations'}")
    problems = {state: blocking(results) for state, results in asserted.items()}
    report = "\n".join(f"{state}:\n{describe(found)}" for state, found in problems.items() if found)
    assert not report, (
        f"axe-core found serious or critical accessibility problems on {item.name} "
        f"(full results: {saved}):\n{report}"
    )


# --------------------------------------------------------------------------- keyboard

KEYBOARD_MODULE = PAGES[0]

#: The focused control, as the browser draws it: outline style and width in px.
_FOCUS_JS = """() => {
    const el = document.activeElement;
    const css = getComputedStyle(el);
    return {
        tag: el.tagName.toLowerCase(),
        type: el.type || "",
        // What a screen reader announces first: the label's words, or the button's.
        text: ((el.labels && el.labels.length ? el.labels[0].innerText : el.innerText)
               || "").trim(),
        outline: css.outlineStyle,
        width: parseFloat(css.outlineWidth) || 0,
        focusVisible: el.matches(":focus-visible"),
    };
}"""


def _focus(page) -> dict:  # noqa: ANN001
    return page.evaluate(_FOCUS_JS)


def _assert_focus_visible(page, what: str) -> dict:  # noqa: ANN001
    """The focused control shows an outline at least 2 px wide."""
    state = _focus(page)
    assert state["focusVisible"] and state["outline"] != "none" and state["width"] >= 2, (
        f"{what}: the focus is not visible enough ({state})"
    )
    return state


def _tab_to(page, is_target, what: str, limit: int = 40) -> dict:  # noqa: ANN001
    """Press Tab until the focused control is the one wanted."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = _focus(page)
        if is_target(state):
            return state
    pytest.fail(f"{limit} presses of Tab did not reach {what}; the focus is on {state}")


def _card(page, title: str):  # noqa: ANN001, ANN202
    return page.locator(f"{SHOWN} .ppskit-exercise").filter(
        has=page.get_by_role("heading", name=title, exact=True)
    )


def _normal(text: str) -> str:
    return " ".join(text.split())


def test_choice_and_sort_exercises_by_keyboard_only(page, lab: str) -> None:  # noqa: ANN001
    """A trainee who cannot use a mouse completes a choice and a sort exercise with Tab,
    Space, Enter and the arrow keys, and can see at each step which control has focus."""
    from ppskit.exercises import load_content

    content = load_content("communication")
    choice = next(e for e in content.exercises if e.kind == "choice" and not e.multiple)
    sort = next(e for e in content.exercises if e.kind == "sort")
    open_notebook(page, lab, KEYBOARD_MODULE.target)

    # -- choice: the focus starts on the exercise's first option (where Tab brings a
    # trainee from the text above); from there on only keys are pressed.
    card = _card(page, choice.title)
    card.scroll_into_view_if_needed()
    boxes = card.get_by_role("checkbox")
    expect(boxes).to_have_count(len(choice.options))
    boxes.first.focus()
    page.keyboard.press("Shift+Tab")  # back out and in again: focus moved by the keyboard
    page.keyboard.press("Tab")
    right = next(i for i, o in enumerate(choice.options) if o.correct)
    for _ in range(right):
        page.keyboard.press("Tab")
    state = _assert_focus_visible(page, "a choice option")
    assert state["type"] == "checkbox" and state["text"].startswith(f"{chr(65 + right)}. ")
    page.keyboard.press("Space")
    expect(boxes.nth(right)).to_be_checked()
    _tab_to(page, lambda s: s["text"] == "Check my answer", "the Check my answer button")
    _assert_focus_visible(page, "the Check my answer button")
    screenshot(page, "a11y-keyboard-choice-focus.png")
    page.keyboard.press("Enter")
    expect(card.get_by_role("status")).to_contain_text("That's right.")

    # -- sort: Tab to each card's menu, arrow keys to pick the group, Space on the button.
    # (Tab moves through the notebook's controls only: JupyterLab keeps the code editors
    # out of the Tab order while the notebook is in command mode.)
    card = _card(page, sort.title)
    card.scroll_into_view_if_needed()
    menus = card.get_by_role("combobox")
    expect(menus).to_have_count(len(sort.cards))
    answers = {_normal(c.text): c.answer for c in sort.cards}
    # From the choice exercise's button, Tab on past the scenario exercise to this one.
    _tab_to(
        page,
        lambda s: s["tag"] == "select" and s["text"].startswith("Group for card 1: "),
        "the first card's menu",
        limit=60,
    )
    for n in range(len(sort.cards)):
        state = _assert_focus_visible(page, f"the menu of card {n + 1}")
        assert state["tag"] == "select"
        # The menu's name says which card it sorts; the card's answer gives the group.
        text = _normal(state["text"].split(": ", 1)[1])
        steps = sort.categories.index(answers[text]) + 1  # below "Choose a group..."
        for _ in range(steps):
            page.keyboard.press("ArrowDown")
            # At a person's pace: each step is sent to the kernel before the next.
            page.wait_for_timeout(400)
        expect(menus.nth(n)).to_have_value(answers[text])
        page.keyboard.press("Tab")
    state = _assert_focus_visible(page, "the Check my sorting button")
    assert state["text"] == "Check my sorting"
    screenshot(page, "a11y-keyboard-sort-focus.png")
    page.keyboard.press("Space")
    expect(card.get_by_role("status")).to_contain_text("Every card is in the right group.")
    # The feedback, as shown now, passes the same audit (its colours, symbols, status).
    runs = {
        "exercise-cards-with-feedback": run_axe(page, {"include": [[f"{SHOWN} .ppskit-exercise"]]})
    }
    saved = save("module-feedback", runs)
    found = blocking(runs["exercise-cards-with-feedback"])
    assert not found, f"accessibility problems in the feedback ({saved}):\n{describe(found)}"
