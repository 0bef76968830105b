"""A parent's path through real JupyterLab, as the trainee workspace sets it up: sign in
once, a module with no code in sight, an exercise finished, the module closed and opened
again with progress and the story draft back, hours recorded under the right id, and the
"My training" page updated. Screenshots of each step go to artifacts/screenshots/walk-*.
"""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

import pytest
from conftest import register_trainee
from conftest_browser import (
    chromium_missing_reason,
    course_copy,
    lab_command,
    launch,
    screenshot,
    server,
    start_notebook,
    text_snippet,
)

pytestmark = pytest.mark.browser

_REASON = chromium_missing_reason()
if _REASON:
    pytest.skip(_REASON, allow_module_level=True)

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from ppskit.exercises import load_content  # noqa: E402
from ppskit.reports.serve import free_port  # noqa: E402
from ppskit.workspace import install  # noqa: E402

expect.set_options(timeout=90_000)

MODULE = "telling-your-story"
NOTEBOOK = "modules/10-telling-your-story/10-telling-your-story.ipynb"
MY_TRAINING = "modules/00-my-training.ipynb"
TRAINEE, NAME = "T-0107", "Maria Lopez"
DRAFT = "The night we waited in the emergency room, I felt alone."


def _choice(content):  # noqa: ANN001, ANN202
    ex = next(e for e in content.exercises if e.kind == "choice" and not e.multiple)
    return ex, next(o for o in ex.options if o.correct)


def _shut_down_kernels(base: str) -> None:
    """What closing a notebook and coming back another day amounts to: no kernel left
    holding the module in memory."""
    with urllib.request.urlopen(f"{base}/api/sessions", timeout=30) as r:
        sessions = json.load(r)
    for s in sessions:
        req = urllib.request.Request(f"{base}/api/sessions/{s['id']}", method="DELETE")
        urllib.request.urlopen(req, timeout=30).close()


def _visit(context, base: str, path: str):  # noqa: ANN001, ANN202
    """Open one notebook in a fresh browser tab (JupyterLab's layout reset, every kernel
    shut down first) and press Start."""
    for old in context.pages:
        old.close()
    _shut_down_kernels(base)
    page = context.new_page()
    page.set_default_timeout(90_000)
    start_notebook(page, f"{base}/lab/tree/{path}?reset")
    return page


def test_a_parents_path(tmp_path: Path):
    content = load_content(MODULE)
    choice, right = _choice(content)
    course = course_copy(tmp_path / "course")
    db = f"sqlite:///{course / 'gradebook' / 'ledger.db'}"
    register_trainee(db, TRAINEE, name=NAME)
    # Earlier sessions finished the other exercises, except the story and this choice.
    from ppskit.ledger.progress import exercise_finished

    for ex in content.exercises:
        if ex.kind not in ("story",) and ex.id != choice.id:
            exercise_finished(TRAINEE, MODULE, ex.id, None, db=db)
    story = next(e for e in content.exercises if e.kind == "story")

    home = tmp_path / "home"
    install(home)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("JUPYTER_", "JUPYTERLAB_", "PPSKIT_")) and k != "HOME"
    }
    env.update(HOME=str(home), PPSKIT_DB=db, PYTHONUNBUFFERED="1")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [c for c in lab_command(course, port) if not c.startswith("--LabApp.")]
    # The test shuts kernels down through the REST API between visits (no browser cookie).
    cmd.append("--ServerApp.disable_check_xsrf=True")
    with (
        sync_playwright() as p,
        server(cmd, url=f"{base}/api/status", env=env, cwd=course, log=tmp_path / "lab.log"),
    ):
        browser = launch(p)
        context = browser.new_context(viewport={"width": 1366, "height": 1000})

        # 1. The module opens with no code in sight and asks who you are.
        page = _visit(context, base, NOTEBOOK)
        box = page.get_by_role("textbox", name="Your trainee ID").first
        expect(box).to_be_visible()
        for code in ("open_module", "module.exercise", "module.finish"):
            assert page.get_by_text(code).filter(visible=True).count() == 0, code
        expect(page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader")).to_have_count(0)
        screenshot(page, "walk-1-sign-in.png")
        # The placeholder is not an id; an unknown id is refused at once.
        box.fill("T-9999")
        page.get_by_role("button", name="Sign in").first.click()
        expect(page.get_by_text("We could not find the trainee ID T-9999").first).to_be_visible()
        box.fill(TRAINEE)
        page.get_by_role("button", name="Sign in").first.click()
        expect(page.get_by_text(f"Signed in as {NAME} ({TRAINEE})").first).to_be_visible()
        screenshot(page, "walk-2-signed-in.png")

        # 2. Finish an exercise, and start a story draft.
        card = (
            page.locator(".widget-vbox")
            .filter(has=page.locator("h3", has_text=choice.title))
            .filter(has=page.get_by_role("button", name="Check my answer"))
            .last
        )
        card.scroll_into_view_if_needed()
        row = card.locator(".widget-hbox").filter(has_text=text_snippet(right.text)).last
        row.locator("input[type=checkbox]").check()
        card.get_by_role("button", name="Check my answer").click()
        expect(card.get_by_text("That's right.")).to_be_visible()
        screenshot(page, "walk-3-exercise-done.png")
        builder = (
            page.locator(".widget-vbox").filter(has=page.locator("h3", has_text=story.title)).last
        )
        builder.scroll_into_view_if_needed()
        builder.locator("textarea").first.fill(DRAFT)
        builder.get_by_role("button", name="Save my draft").click()
        expect(builder.get_by_text("Only you can read it").first).to_be_visible()
        screenshot(page, "walk-4-draft-saved.png")

        # 3. Close the module and open it again: signed in, progress and draft back.
        page = _visit(context, base, NOTEBOOK)
        expect(page.get_by_text(f"Signed in as {NAME} ({TRAINEE})").first).to_be_visible()
        card = (
            page.locator(".widget-vbox")
            .filter(has=page.locator("h3", has_text=choice.title))
            .filter(has=page.get_by_role("button", name="Check my answer"))
            .last
        )
        card.scroll_into_view_if_needed()
        expect(card.get_by_text("You finished this exercise earlier")).to_be_visible()
        expect(
            card.locator(".widget-hbox")
            .filter(has_text=text_snippet(right.text))
            .last.locator("input[type=checkbox]")
        ).to_be_checked()
        builder = (
            page.locator(".widget-vbox").filter(has=page.locator("h3", has_text=story.title)).last
        )
        expect(builder.locator("textarea").first).to_have_value(DRAFT)
        screenshot(page, "walk-5-reopened.png")

        # 4. The story is the last exercise: finish it, then record the hours.
        builder.scroll_into_view_if_needed()
        areas = builder.locator("textarea")
        for i in range(1, areas.count()):
            areas.nth(i).fill("We found a parent group, and it helped. You are not alone.")
        selects = builder.locator("select")
        for i in range(selects.count()):
            options = selects.nth(i).locator("option")
            selects.nth(i).select_option(index=1 if options.count() > 1 else 0)
        for check in story.boundary_checks:
            q = builder.locator(".widget-hbox").filter(has_text=text_snippet(check.question)).last
            q.get_by_role("button", name=check.safe_answer, exact=True).click()
        builder.get_by_role("button", name="My story is ready").click()
        expect(builder.get_by_text("Your story is ready").first).to_be_visible()
        finish = (
            page.locator(".widget-vbox")
            .filter(has=page.get_by_role("button", name="Record my hours"))
            .last
        )
        finish.scroll_into_view_if_needed()
        expect(finish.get_by_text(f"Your hours go to {NAME} ({TRAINEE})")).to_be_visible()
        finish.get_by_role("button", name="Record my hours").click()
        expect(finish.get_by_text(f"of this module for {TRAINEE}")).to_be_visible()
        screenshot(page, "walk-6-hours-recorded.png")

        # 5. My training shows it, with the same sign-in.
        page = _visit(context, base, MY_TRAINING)
        try:
            expect(page.get_by_text(f"My training: {NAME}")).to_be_visible(timeout=60_000)
        finally:
            screenshot(page, "walk-7-my-training.png")
        row = page.locator("tr", has_text="Telling your story").first
        expect(row).to_contain_text("recorded, waiting for your trainer")
        screenshot(page, "walk-7-my-training.png")
        browser.close()

    from ppskit.ledger.api import hours_frame

    rows = hours_frame(db=db)
    mine = rows[(rows["source"] == "module") & (rows["note"] == f"module:{MODULE}")]
    assert list(mine["trainee_id"]) == [TRAINEE]
