"""The exam notebook's helpers and layout, without running nbgrader."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest
from fixtures.exam.support import FIXTURE_ASSESSMENTS

from ppskit.exam import runtime
from ppskit.exam.bank import load_bank
from ppskit.exam.build import dumps_notebook, sitting_notebook
from ppskit.policies import load_policy


@pytest.fixture(scope="module")
def bank():  # noqa: ANN201
    return load_bank(FIXTURE_ASSESSMENTS)


def _check(value: object) -> str:
    namespace = {"check": runtime.check}
    if value is not None:
        namespace["answer_7"] = value
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec('check("answer_7")', namespace)  # noqa: S102  (runs like a notebook cell)
    return out.getvalue()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("B", "Your answer to question 7 is B — thank you."),
        (" c ", "Your answer to question 7 is C — thank you."),
        ("_", "Question 7 has no answer yet: type one letter"),
        ("", "Question 7 has no answer yet: type one letter"),
        ("E", '"E" is not one of the letters A, B, C or D.'),
        ("AB", '"AB" is not one of the letters A, B, C or D.'),
        (7, '"7" is not one of the letters A, B, C or D.'),
        (None, "Question 7 has no answer yet. Click in the answer box just above"),
    ],
)
def test_check_says_at_once_whether_the_answer_is_well_formed(value, expected) -> None:  # noqa: ANN001
    text = _check(value)
    assert expected in text
    assert "Traceback" not in text


def test_hidden_test_reads_the_key_from_the_trainers_file(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({"culture-a1": "C"}))
    monkeypatch.setenv(runtime.KEYS_ENV, str(keys))
    ok = {"grade_answer": runtime.grade_answer, "answer_3": " c"}
    exec('grade_answer("answer_3", "culture-a1")', ok)  # noqa: S102
    for wrong in ("B", "_", "", "CC"):
        with pytest.raises(AssertionError):
            exec(  # noqa: S102
                'grade_answer("answer_3", "culture-a1")',
                {"grade_answer": runtime.grade_answer, "answer_3": wrong},
            )
    with pytest.raises(AssertionError):  # no answer at all
        exec('grade_answer("answer_3", "culture-a1")', {"grade_answer": runtime.grade_answer})  # noqa: S102
    # Without the trainer's file (a trainee's kernel) grading stops instead of scoring.
    monkeypatch.delenv(runtime.KEYS_ENV)
    with pytest.raises(runtime.KeysUnavailable):
        exec('grade_answer("answer_3", "culture-a1")', ok)  # noqa: S102


def test_no_notebook_holds_a_key_or_anything_derived_from_one() -> None:
    import re

    bank = load_bank(FIXTURE_ASSESSMENTS)
    nb = sitting_notebook(bank, "A", assignment="exam-A", title="t", policy=load_policy("ca-ppss"))
    hidden = [
        line
        for cell in nb["cells"]
        if "BEGIN HIDDEN TESTS" in cell["source"]
        for line in cell["source"].split("### BEGIN HIDDEN TESTS\n")[1].splitlines()
        if "END HIDDEN" not in line
    ]
    assert len(hidden) == sum(1 for i in nb["metadata"]["ppskit"]["items"] if i["type"] == "mc")
    # Every hidden test names the question and the item, nothing else: no letter, no hash.
    call = re.compile(r'^grade_answer\("answer_[0-9]+", "[a-z0-9-]+"\)$')
    assert all(call.match(line) for line in hidden), hidden[:3]


def test_runtime_imports_only_the_standard_library() -> None:
    code = (
        "import sys; import ppskit.exam.runtime; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('pandas','nbgrader','nbformat','pydantic','yaml','sqlalchemy')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_sitting_notebook_layout(bank) -> None:  # noqa: ANN001
    nb = sitting_notebook(bank, "B", assignment="exam-B", title="Form B")
    man = nb["metadata"]["ppskit"]
    ca = load_policy("ca-ppss")
    # The profile's sections in its order, each holding its domains' items.
    assert man["form"] == "B" and man["sections"] == ca.sections and man["profile"] == "ca-ppss"
    grouped = [i.id for s in ca.sections for i in bank.form_items("B", ca.section_domains[s])]
    assert [i["id"] for i in man["items"]] == grouped
    assert all(ca.section_of(i["domain"]) == i["section"] for i in man["items"])
    ids = [c["metadata"]["nbgrader"]["grade_id"] for c in nb["cells"]]
    assert len(ids) == len(set(ids))
    graded = [c for c in nb["cells"] if c["metadata"]["nbgrader"]["grade"]]
    # Every graded cell is an item: grade id = item id = "<domain>-<form><n>".
    graded_ids = [c["metadata"]["nbgrader"]["grade_id"] for c in graded]
    assert graded_ids == [i["id"] for i in man["items"]]
    for gid, item in zip(graded_ids, man["items"], strict=True):
        assert gid.startswith(item["domain"] + "-")
    first = man["items"][0]["id"]
    cells = {c["metadata"]["nbgrader"]["grade_id"]: c for c in nb["cells"]}
    assert cells[f"{first}-answer"]["source"].endswith('answer_1 = "_"')
    test = cells[first]["source"]
    assert test.startswith('check("answer_1")\n### BEGIN HIDDEN TESTS')
    key = bank.item(first).key
    assert f'grade_answer("answer_1", "{first}")' in test and f'"{key}"' not in test
    scenario = next(i for i in bank.form_items("B") if i.type == "scenario")
    assert cells[scenario.id]["cell_type"] == "markdown"
    assert cells[scenario.id]["metadata"]["nbgrader"]["solution"] is True
    assert scenario.rubric[0].criterion in cells[scenario.id]["source"]
    # No key or rationale in the manifest that travels to release/.
    text = json.dumps(man)
    assert "rationale" not in text and "key" not in text
    # Answering by clicking: a trainee sees panels, not code.
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(c["metadata"]["jupyter"] == {"source_hidden": True} for c in code)
    number = next(i["question"] for i in man["items"] if i["id"] == scenario.id)
    write = cells[f"{scenario.id}-write"]
    assert write["source"] == f'write_box("{scenario.id}", {number})'
    assert write["metadata"]["nbgrader"]["locked"] and not write["metadata"]["nbgrader"]["grade"]
    order = [c["metadata"]["nbgrader"]["grade_id"] for c in nb["cells"]]
    assert order.index(f"{scenario.id}-write") == order.index(scenario.id) - 1
    assert (
        order[-2:] == ["exam-review", "exam-end"] and cells["exam-review"]["source"] == "review()"
    )
    assert "Run All Cells" in cells["exam-intro"]["source"]
    assert "Shift+Enter" not in cells["exam-intro"]["source"] + cells["exam-end"]["source"]
    # A full sitting gets the profile's time.
    assert man["time_limit_minutes"] == ca.exam_rules.minutes.at()


def test_a_retake_holds_only_the_requested_sections(bank) -> None:  # noqa: ANN001
    ca = load_policy("ca-ppss")
    wanted = ["safety-and-wellbeing", "engaging-families"]
    nb = sitting_notebook(bank, "C", assignment="retake-x-1", title="Retake", sections=wanted)
    man = nb["metadata"]["ppskit"]
    assert man["sections"] == ["engaging-families", "safety-and-wellbeing"]  # profile order
    assert {i["section"] for i in man["items"]} == set(wanted)
    # A failed section comes back whole: every one of its domains.
    assert {i["domain"] for i in man["items"]} == {d for s in wanted for d in ca.section_domains[s]}
    assert all(i["id"].split("-")[-1].startswith("c") for i in man["items"])
    assert man["items"][0]["question"] == 1
    # Its share of the full sitting's time, by number of items (rounded up).
    full = sitting_notebook(bank, "C", assignment="exam-C", title="C")["metadata"]["ppskit"]
    share = ca.exam_rules.minutes.at() * len(man["items"]) / len(full["items"])
    assert man["time_limit_minutes"] == math.ceil(share) < full["time_limit_minutes"]


def test_notebook_text_is_deterministic(bank) -> None:  # noqa: ANN001
    one = dumps_notebook(sitting_notebook(bank, "A", assignment="exam-A", title="A"))
    two = dumps_notebook(sitting_notebook(bank, "A", assignment="exam-A", title="A"))
    assert one == two
    assert '"id": "exam-intro"' in one


def test_exam_cli_module_loads_no_heavy_libraries() -> None:
    code = (
        "import sys; import ppskit.cli.exam; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'nbgrader', 'nbformat', 'nbconvert', 'pandas', 'sqlalchemy', 'ppskit.exam'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert (
        "ppskit.exam"
        not in subprocess.run(
            [sys.executable, "-c", "import sys, ppskit.cli.exam; print(list(sys.modules))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )


_SESSION = """
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
shell.run_cell("from ppskit.exam.runtime import A, B, C, D, check, setup; setup()")
shell.run_cell("answer_1 = b")
shell.run_cell('answer_1 = "B')
shell.run_cell("answer_1 = B")
shell.run_cell('check("answer_1")')
"""


def test_trainees_see_plain_messages_instead_of_tracebacks() -> None:
    env = {k: v for k, v in os.environ.items() if k != "NBGRADER_EXECUTION"}
    out = subprocess.run(
        [sys.executable, "-c", _SESSION], capture_output=True, text=True, check=True, env=env
    )
    text = out.stdout + out.stderr
    assert "Traceback" not in text
    assert "Python could not read that cell. For an answer" in text  # b without quotes
    assert "a quote may be missing" in text  # "B without its closing quote
    assert "Your answer to question 1 is B" in text  # a bare B is fine


def test_grading_keeps_errors_as_errors() -> None:
    env = {**os.environ, "NBGRADER_EXECUTION": "autograde"}
    out = subprocess.run(
        [sys.executable, "-c", _SESSION], capture_output=True, text=True, check=True, env=env
    )
    assert "NameError" in out.stdout + out.stderr
    assert "Python could not read" not in out.stdout
