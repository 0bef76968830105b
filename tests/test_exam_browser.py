"""A simulated trainee sits the exam in real JupyterLab in Debian's chromium (Playwright):
runs it from the menu, answers every question by clicking (one by keyboard), marks one,
reloads and finds the answers restored, hands in; nbgrader grades the clicked answers
exactly as the keys say. Screenshots are saved under ``artifacts/screenshots/``."""

from __future__ import annotations

import json
import re
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest_browser import chromium_missing_reason, jupyter_env, lab_command, launch, screenshot
from conftest_browser import server as lab_server
from fixtures.exam.support import make_course

pytestmark = pytest.mark.browser

_REASON = chromium_missing_reason()
if _REASON:
    pytest.skip(_REASON, allow_module_level=True)

from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

from ppskit.exam.bank import load_bank  # noqa: E402
from ppskit.exam.build import build  # noqa: E402
from ppskit.exam.grade import grade  # noqa: E402
from ppskit.exam.results import score_frame  # noqa: E402
from ppskit.exam.simulate import load_release  # noqa: E402
from ppskit.reports.serve import free_port  # noqa: E402

expect.set_options(timeout=60_000)

TRAINEE = "t-click"
WRITTEN = "I stay with the mother, follow the family's safety plan and call the crisis team."


def _accept_kernel_dialog(page) -> None:  # noqa: ANN001
    dialog = page.get_by_role("dialog").filter(has_text="Select Kernel")
    try:
        dialog.wait_for(state="visible", timeout=3000)
    except PlaywrightTimeout:
        return
    dialog.get_by_role("button", name=re.compile(r"^Select")).click()


def _run_all(page) -> None:  # noqa: ANN001
    """Run ▸ Run All Cells, as the exam's first lines tell a trainee."""
    page.wait_for_selector(".jp-Notebook")
    expect(page.get_by_role("button", name=re.compile(r"Python 3.*Idle"))).to_be_visible()
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    _accept_kernel_dialog(page)


def _saved(folder: Path) -> dict:
    try:
        return json.loads((folder / "answers.json").read_text())
    except (OSError, ValueError):
        return {}


def _wait_for(predicate, what: str, timeout: float = 60) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.25)


def test_trainee_answers_by_clicking_and_is_graded_as_typed(tmp_path: Path) -> None:  # noqa: PLR0915
    course = make_course(tmp_path / "course")
    build(course)
    bank = load_bank(course.assessments)
    release = load_release(course, "exam-A")
    items = release["metadata"]["ppskit"]["items"]
    mc = [i for i in items if i["type"] == "mc"]
    scenario = next(i for i in items if i["type"] == "scenario")
    total = len(items)
    # Every third answer wrong, so a matching grade means more than "all right".
    choice = {}
    for n, item in enumerate(mc):
        key = bank.item(item["id"]).key
        choice[item["question"]] = key if n % 3 else "ABCD"[("ABCD".index(key) + 1) % 4]
    # A question whose letter is not A, so the arrow keys have to move.
    keyboard_q = next(n for n, x in choice.items() if x != "A" and n != mc[0]["question"])
    marked_q = mc[2]["question"]

    # The trainee's folder under JupyterLab's root: the released exam, as delivered.
    lab_root = tmp_path / "lab"
    folder = lab_root / TRAINEE / "exam-A"
    shutil.copytree(course.folder("release", "exam-A"), folder)
    port = free_port()
    env = jupyter_env(lab_root, f"sqlite:///{tmp_path / 'ledger.db'}")
    env.pop("NBGRADER_EXECUTION", None)
    with (
        sync_playwright() as p,
        lab_server(
            lab_command(lab_root, port),
            url=f"http://127.0.0.1:{port}/api/status",
            env=env,
            cwd=lab_root,
            log=tmp_path / "lab.log",
        ),
    ):
        browser = launch(p)
        context = browser.new_context(viewport={"width": 1366, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(90_000)
        page.goto(f"http://127.0.0.1:{port}/lab/tree/{TRAINEE}/exam-A/exam.ipynb")
        _run_all(page)
        header = page.locator(".ppskit-header")
        expect(header).to_contain_text(f"0 of {total} answered.")
        expect(header).to_contain_text(re.compile(r"Time left: (3 h|2 h 5[0-9] min)\."))
        screenshot(page, "exam-start.png")

        # No code on the screen: the exam's code cells show only their panels.
        expect(page.locator(".ppskit-review")).to_be_attached()
        notebook_text = page.locator(".jp-Notebook").inner_text()
        for code in ('check("answer_', "import os", "setup()", "write_box(", "review()"):
            assert code not in notebook_text, code
        assert "Type one letter between the quotes" not in notebook_text
        assert page.locator(".jp-CodeCell .jp-InputArea-editor:visible").count() == 0

        for number, letter in choice.items():
            # The letters are one radio group, named for screen readers.
            group = page.locator(f".ppskit-q{number}").get_by_role(
                "group", name=f"Your answer to question {number}"
            )
            panel = page.locator(f".ppskit-q{number}")
            radio = group.get_by_role("radio", name=letter, exact=True)
            if number == keyboard_q:
                # By keyboard: focus the first letter, choose it, move with the arrows.
                first = group.get_by_role("radio", name="A", exact=True)
                first.scroll_into_view_if_needed()
                first.focus()
                page.keyboard.press("Space")
                for _ in range("ABCD".index(letter)):
                    page.keyboard.press("ArrowRight")
            else:
                radio.scroll_into_view_if_needed()
                radio.check()
            expect(radio).to_be_checked()
            expect(panel).to_contain_text(f"Saved: {letter}.")
        written = page.locator(f".ppskit-q{scenario['question']} textarea")
        written.scroll_into_view_if_needed()
        written.fill(WRITTEN)
        marked = page.locator(f".ppskit-q{marked_q}")
        marked.get_by_role("checkbox", name="Mark to come back to this question").check()
        review = page.locator(".ppskit-review")
        review.scroll_into_view_if_needed()
        expect(review).to_contain_text(f"{total} of {total} answered.")
        expect(review).to_contain_text(f"Marked to come back to: question {marked_q}.")
        expect(review).to_contain_text("Every question has an answer.")
        screenshot(page, "exam-review.png")
        marked.scroll_into_view_if_needed()
        screenshot(page, "exam-question-answered.png")
        want = {f"answer_{n}": x for n, x in choice.items()}
        _wait_for(lambda: _saved(folder).get("answers") == want, "every click to be saved")
        _wait_for(
            lambda: _saved(folder).get("written", {}).get(scenario["id"]) == WRITTEN,
            "the written answer to be saved",
        )

        # Close and come back: reload the page, Run All Cells again.
        page.reload()
        _run_all(page)
        expect(page.locator(".ppskit-header")).to_contain_text(f"{total} of {total} answered.")
        for number, letter in list(choice.items())[:4]:
            panel = page.locator(f".ppskit-q{number}")
            expect(panel.get_by_role("radio", name=letter, exact=True)).to_be_checked()
        checkbox = page.locator(f".ppskit-q{marked_q}").get_by_role("checkbox")
        expect(checkbox).to_be_checked()
        expect(page.locator(f".ppskit-q{scenario['question']} textarea")).to_have_value(WRITTEN)
        screenshot(page, "exam-resumed.png")
        context.close()
        browser.close()

    # Hand in: the trainee's folder, as nbgrader collects it, with its hand-in time.
    handed_in = course.folder("submitted", "exam-A", TRAINEE)
    shutil.copytree(folder, handed_in, ignore=shutil.ignore_patterns(".*"))
    stamp = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    (handed_in / "timestamp.txt").write_text(stamp + "\n")
    report = grade(course, trainees=[TRAINEE], workers=1, timeout=300)
    assert report.problems == [], [o.message for o in report.problems]
    assert not report.flagged
    frame = score_frame(course, ["exam-A"])
    scores = dict(zip(frame["item_id"], frame["score"], strict=True))
    expected = {i["id"]: float(choice[i["question"]] == bank.item(i["id"]).key) for i in mc}
    assert {i: scores[i] for i in expected} == expected
    graded = json.loads(course.notebook("autograded", "exam-A", TRAINEE).read_text())
    cell = next(
        c
        for c in graded["cells"]
        if c["metadata"].get("nbgrader", {}).get("grade_id") == scenario["id"]
    )
    assert "".join(cell["source"]) == WRITTEN
