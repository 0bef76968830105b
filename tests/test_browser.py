"""Tested as a person would: Debian's chromium, driven by Playwright, uses JupyterLab and
the Voila dashboard exactly as a trainee and a supervisor do. Screenshots are saved under
``artifacts/screenshots/``."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest
from conftest_browser import (
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
if _REASON:
    pytest.skip(_REASON, allow_module_level=True)

from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

from ppskit.demo import OTHER_BODIES, PEOPLE  # noqa: E402
from ppskit.reports.serve import free_port  # noqa: E402

# Servers on a shared CI machine can be slow: wait up to a minute for what a person sees.
expect.set_options(timeout=60_000)

MODULE = "communication"
MODULE_NOTEBOOK = "modules/01-communication/01-communication.ipynb"


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


def _single_choice_exercise():
    """The first one-answer choice exercise of the module, from its packaged content, so
    the test follows the content rather than repeating it."""
    from ppskit.exercises import load_content

    content = load_content(MODULE)
    for ex in content.exercises:
        if ex.kind == "choice" and not ex.multiple:
            right = next(o for o in ex.options if o.correct)
            wrong = next(o for o in ex.options if not o.correct)
            return ex, right, wrong
    pytest.fail(f"module {MODULE} has no one-answer choice exercise")


def _snippet(option_text: str) -> str:
    # A plain stretch of the option's words (no quotes or markdown) to find it on screen.
    words = re.sub(r"[*_`\"“”]", "", option_text).split()
    return " ".join(words[:6])


def _accept_kernel_dialog(page) -> None:  # noqa: ANN001
    # JupyterLab sometimes asks which kernel to use while it is still connecting; a
    # trainee would press "Select" to take the notebook's own (Python 3).
    dialog = page.get_by_role("dialog").filter(has_text="Select Kernel")
    try:
        dialog.wait_for(state="visible", timeout=3000)
    except PlaywrightTimeout:
        return
    dialog.get_by_role("button", name=re.compile(r"^Select")).click()


def test_lab_module_exercise_gives_feedback(page, tmp_path: Path):
    """Open a module notebook in JupyterLab, run it, answer an exercise, see feedback."""
    course = course_copy(tmp_path / "course")
    port = free_port()
    env = jupyter_env(
        course, f"sqlite:///{course / 'gradebook' / 'ledger.db'}", PPSKIT_TRAINEE="T-BROWSER"
    )
    ex, right, wrong = _single_choice_exercise()
    with server(
        lab_command(course, port),
        url=f"http://127.0.0.1:{port}/api/status",
        env=env,
        cwd=course,
        log=tmp_path / "lab.log",
    ):
        page.goto(f"http://127.0.0.1:{port}/lab/tree/{MODULE_NOTEBOOK}")
        page.wait_for_selector(".jp-Notebook")
        # Wait until the notebook's kernel is started and idle (shown in the status bar).
        expect(page.get_by_role("button", name=re.compile(r"Python 3.*Idle"))).to_be_visible()
        # Run ▸ Run All Cells, as a trainee is told to.
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        _accept_kernel_dialog(page)

        card = (
            page.locator(".widget-vbox")
            .filter(has=page.locator("h3", has_text=ex.title))
            .filter(has=page.get_by_role("button", name="Check my answer"))
            .last
        )
        expect(card).to_be_visible()
        card.scroll_into_view_if_needed()

        def tick(option) -> None:  # noqa: ANN001
            row = card.locator(".widget-hbox").filter(has_text=_snippet(option.text)).last
            row.locator("input[type=checkbox]").check()

        # A wrong answer first: the feedback says why it is not the best choice.
        tick(wrong)
        card.get_by_role("button", name="Check my answer").click()
        expect(card.get_by_text("Not the best choice.")).to_be_visible()
        # Then the right one.
        tick(right)
        card.get_by_role("button", name="Check my answer").click()
        expect(card.get_by_text("That's right.")).to_be_visible()
        expect(card.get_by_text("A good choice.")).to_be_visible()
        card.scroll_into_view_if_needed()
        shot = screenshot(page, "lab-module-exercise-feedback.png")
    assert shot.stat().st_size > 10_000


def _dropdown(page, label: str):  # noqa: ANN001, ANN202
    return page.locator(
        ".widget-dropdown", has=page.locator("label", has_text=re.compile(f"^{label}$"))
    ).locator("select")


@pytest.fixture(scope="module")
def demo_course(tmp_path_factory):
    from ppskit.demo import build_demo

    course = course_copy(tmp_path_factory.mktemp("voila") / "course")
    url = f"sqlite:///{course / 'gradebook' / 'ledger.db'}"
    build_demo(db=url)
    return course, url


def test_voila_dashboard_shows_cohort_and_transcript(page, demo_course, tmp_path: Path):
    """The supervisor's view: the demo cohort's stage chart, then a trainee's transcript."""
    course, url = demo_course
    port = free_port()
    log = tmp_path / "dashboard.log"
    token = "browser-test-token-0123456789"
    # Started the way a supervisor starts it, from the course folder.
    with server(
        [sys.executable, "-m", "ppskit", "dashboard", "--port", str(port), "--db", url],
        url=f"http://127.0.0.1:{port}/voila/static/",
        env=jupyter_env(course, url, PPSKIT_DASHBOARD_TOKEN=token),
        cwd=course,
        log=log,
    ):
        address = f"http://127.0.0.1:{port}/?token={token}"
        assert f"Supervisor dashboard (read-only): {address}" in log.read_text()
        # Without the token: Jupyter's login page, and nothing from the ledger.
        page.goto(f"http://127.0.0.1:{port}/")
        assert "/login" in page.url
        assert "Supervisor dashboard" not in page.content()
        start = time.monotonic()
        page.goto(address)
        stage_chart = page.locator('img[alt="Trainees by stage"]')
        expect(stage_chart).to_be_visible()
        first_paint = time.monotonic() - start
        expect(page.get_by_text("Supervisor dashboard")).to_be_visible()
        # The slower charts arrive a moment later.
        heatmap = page.locator('img[alt="Verified core hours by domain"]')
        expect(heatmap).to_be_visible()
        screenshot(page, "dashboard-cohort.png")
        heatmap.scroll_into_view_if_needed()
        screenshot(page, "dashboard-cohort-heatmap.png")
        # No code on the page: Voila strips the sources.
        assert "show_dashboard" not in page.content()
        assert page.locator(".jp-InputArea, .jp-CodeMirrorEditor").count() == 0

        # Filter by stage, then pick the trainee whose retake is open.
        stage = _dropdown(page, "Stage")
        stage.select_option(label="retake-open (1)")
        trainee = _dropdown(page, "Trainee")
        expect(trainee.locator("option")).to_have_count(1)
        expect(page.get_by_text('only trainees at stage "retake-open"')).to_be_visible()
        stage.select_option(label="All stages")
        expect(trainee.locator("option")).to_have_count(len(PEOPLE) + len(OTHER_BODIES))
        trainee.select_option(label="Dana Nguyen — DEMO-04 (retake-open)")
        page.get_by_role("tab", name="Trainee transcript").click()
        transcript = page.locator('[data-report="trainee"][data-trainee="DEMO-04"]')
        expect(transcript).to_be_visible()
        expect(transcript.get_by_text("Transcript: Dana Nguyen")).to_be_visible()
        expect(transcript.locator('img[alt="Core training hours by domain"]')).to_be_visible()
        expect(
            transcript.get_by_text(
                "Sections still to pass: Engaging families, Professional practice"
            )
        ).to_be_visible()
        screenshot(page, "dashboard-transcript.png")
    print(f"dashboard first paint: {first_paint:.2f} s")
    # Generous here (CI machines are shared); benchmarks/report_bench.py measures it.
    assert first_paint < 60
