"""The exercise library: schema, every widget driven like a trainee would, progress and
"Record my hours" (with a fake ledger and with the real one), privacy and import cost."""

from __future__ import annotations

import copy
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import register_trainee
from pydantic import ValidationError

from ppskit.exercises import available, load_content, open_module
from ppskit.exercises import module as module_mod
from ppskit.exercises.module import PROBLEM_MARKER, BrokenModule, Module
from ppskit.exercises.schema import ModuleContent
from ppskit.framework import load_framework

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_CONTENT = FIXTURES / "content"
MODULE = "telling-your-story"
CHOICE = "telling-your-story-purpose-choice"
MULTI = "telling-your-story-good-signs"
SORT = "telling-your-story-share-sort"
DECISION = "telling-your-story-meeting-decision"
JOURNAL = "telling-your-story-journey-journal"
STORY = "telling-your-story-builder"
PACKAGED = available(Path(__file__).parents[1] / "src" / "ppskit" / "exercises" / "content")


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """Fixture exercises, a private journal folder and ledger, and no trainee set."""
    for name in ("PPSKIT_TRAINEE", "JUPYTERHUB_USER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PPSKIT_CONTENT_DIR", str(FIXTURE_CONTENT))
    monkeypatch.setenv("PPSKIT_JOURNAL_DIR", str(tmp_path / "journal"))
    monkeypatch.setenv("PPSKIT_DB", f"sqlite:///{tmp_path / 'ledger.db'}")
    monkeypatch.setenv("PPSKIT_HOME", str(tmp_path / "home"))
    return tmp_path


def raw_fixture() -> dict:
    return yaml.safe_load((FIXTURE_CONTENT / f"{MODULE}.yaml").read_text(encoding="utf-8"))


def spec_of(exercise_id: str):
    return load_content(MODULE).get(exercise_id)


class FakeBackend:
    """Stands in for the ledger: remembers calls, knows every id but ``unknown`` ones,
    records hours once."""

    def __init__(self, fail: Exception | None = None, unknown: tuple[str, ...] = ()):
        self.calls: list[tuple] = []
        self.progress_: dict[str, set[str]] = {}
        self.saved: dict[tuple[str, str], dict[str, dict]] = {}
        self.recorded: dict[tuple[str, str], float | None] = {}
        self.fail = fail
        self.unknown = set(unknown)

    def _note(self, name, *args):
        self.calls.append((name, args))
        if self.fail is not None:
            raise self.fail

    def who(self, trainee_id):
        self._note("who", trainee_id)
        if trainee_id in self.unknown:
            return None
        return {"trainee_id": trainee_id, "name": f"Parent {trainee_id}", "profile": None}

    def progress(self, trainee_id):
        self._note("progress", trainee_id)
        return {k: sorted(v) for k, v in self.progress_.items()}

    def answers(self, trainee_id, module_id):
        self._note("answers", trainee_id, module_id)
        return dict(self.saved.get((trainee_id, module_id), {}))

    def mark_done(self, trainee_id, module_id, exercise_id, answer=None):
        self._note("mark_done", trainee_id, module_id, exercise_id)
        self.progress_.setdefault(module_id, set()).add(exercise_id)
        if answer is not None:
            self.saved.setdefault((trainee_id, module_id), {})[exercise_id] = answer

    def record_hours(self, trainee_id, module_id, active_minutes=None):
        self._note("record_hours", trainee_id, module_id)
        created = (trainee_id, module_id) not in self.recorded
        self.recorded.setdefault((trainee_id, module_id), active_minutes)
        return f"Recorded for {trainee_id}." if created else "Already recorded."

    def names(self) -> list[str]:
        return [c[0] for c in self.calls]

    @property
    def writes(self) -> list[str]:
        return [n for n in self.names() if n in ("mark_done", "record_hours")]


@pytest.fixture
def fake(monkeypatch):
    backend = FakeBackend()
    monkeypatch.setattr(module_mod, "default_backend", lambda db=None: backend)
    return backend


def solve_all(module) -> None:
    """Complete every fixture exercise the right way."""
    c = module.exercise(CHOICE)
    c.choose(0)
    assert c.check()
    m = module.exercise(MULTI)
    m.choose(0, 1)
    assert m.check()
    s = module.exercise(SORT)
    for card in s.spec.cards:
        s.place(card.text, card.answer)
    assert s.check()
    d = module.exercise(DECISION)
    d.choose(0)
    assert d.at_end
    j = module.exercise(JOURNAL)
    j.write(0, "The first hospital stay feels settled now.")
    assert j.save()
    write_ready_story(module.exercise(STORY))


def write_ready_story(view) -> None:
    view.set_purpose("To instill hope")
    view.set_audience("One parent at a first meeting")
    view.write("moment", "I remember sitting alone in a hospital hallway, afraid and tired.")
    view.write("helped", "Another mom called me every week. That call kept me going.")
    view.answer(0, "no")
    view.answer(1, "yes")
    assert view.mark_ready(), view.feedback_text


# --- schema ----------------------------------------------------------------------------


def test_fixture_validates_with_every_kind():
    content = load_content(MODULE)
    assert {e.kind for e in content.exercises} == {"choice", "sort", "decision", "journal", "story"}


def _broken(mutate) -> dict:
    data = copy.deepcopy(raw_fixture())
    mutate(data)
    return data


def _ex(data: dict, exercise_id: str) -> dict:
    return next(e for e in data["exercises"] if e["id"] == exercise_id)


BROKEN = {
    "unknown key": lambda d: _ex(d, CHOICE).update(hint="extra"),
    "no correct option": lambda d: [o.update(correct=False) for o in _ex(d, CHOICE)["options"]],
    "two correct in single choice": lambda d: _ex(d, CHOICE)["options"][1].update(correct=True),
    "sort answer not a category": lambda d: _ex(d, SORT)["cards"][0].update(answer="Maybe"),
    "decision link to nowhere": lambda d: _ex(d, DECISION)["nodes"]["asked"]["choices"][0].update(
        next="nowhere"
    ),
    "end without outcome": lambda d: _ex(d, DECISION)["nodes"]["short"].pop("outcome"),
    "orphan node": lambda d: _ex(d, DECISION)["nodes"].update(
        lost={"text": "Nobody gets here.", "end": True, "outcome": "good"}
    ),
    "loop with no way out": lambda d: _ex(d, DECISION)["nodes"].update(
        short={
            "text": "Round again.",
            "choices": [{"label": "Again", "next": "short", "feedback": "Still here."}],
        }
    ),
    "five journal questions": lambda d: _ex(d, JOURNAL).update(questions=["q?"] * 5),
    "id without module prefix": lambda d: _ex(d, JOURNAL).update(id="reflection"),
    "duplicate id": lambda d: _ex(d, JOURNAL).update(id=CHOICE),
    "blank feedback": lambda d: _ex(d, CHOICE)["options"][0].update(feedback="   "),
    "boundary answer not yes/no": lambda d: _ex(d, STORY)["boundary_checks"][0].update(
        safe_answer="maybe"
    ),
    "too few kinds": lambda d: d.update(
        exercises=[e for e in d["exercises"] if e["kind"] in ("choice", "journal")]
    ),
    "only one checked kind": lambda d: d.update(
        exercises=[e for e in d["exercises"] if e["kind"] in ("choice", "journal", "story")]
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_schema_rejects(case):
    with pytest.raises(ValidationError):
        ModuleContent.model_validate(_broken(BROKEN[case]))


def test_unquoted_yes_no_means_the_same_answer():
    data = _broken(lambda d: _ex(d, STORY)["boundary_checks"][0].update(safe_answer=False))
    story = ModuleContent.model_validate(data).get(STORY)
    assert story.boundary_checks[0].safe_answer == "no"


@pytest.mark.parametrize("module_id", PACKAGED)
def test_packaged_content_validates(module_id, monkeypatch):
    monkeypatch.delenv("PPSKIT_CONTENT_DIR")
    content = load_content(module_id)
    assert module_id in {m.id for m in load_framework().modules}
    assert content.module == module_id


def walk_to_good_end(view) -> None:
    """Take the shortest path from the start to an end with a good outcome."""
    nodes = view.spec.nodes
    paths = {view.spec.start: []}
    queue = [view.spec.start]
    while queue:
        here = queue.pop(0)
        if nodes[here].end and nodes[here].outcome == "good":
            for index in paths[here]:
                view.choose(index)
            return
        for index, choice in enumerate(nodes[here].choices or []):
            if choice.next not in paths:
                paths[choice.next] = [*paths[here], index]
                queue.append(choice.next)
    raise AssertionError(f"{view.id}: no good ending can be reached")


def complete(view) -> None:
    """Do one exercise the way a trainee who got everything right would."""
    spec = view.spec
    if spec.kind == "choice":
        view.choose(*[i for i, o in enumerate(spec.options) if o.correct])
        assert view.check(), view.feedback_text
    elif spec.kind == "sort":
        for card in spec.cards:
            view.place(card.text, card.answer)
        assert view.check(), view.feedback_text
    elif spec.kind == "decision":
        walk_to_good_end(view)
        assert view.outcome == "good"
    elif spec.kind == "journal":
        view.write(0, "A short reflection.")
        assert view.save(), view.feedback_text
    else:
        view.set_purpose(spec.purposes[0])
        view.set_audience(spec.audiences[0])
        for step in spec.steps:
            view.write(step.id, "We found a group that helped.")
        for i, check in enumerate(spec.boundary_checks):
            view.answer(i, check.safe_answer)
        assert view.mark_ready(), view.feedback_text
    assert view.done


@pytest.mark.parametrize("module_id", PACKAGED)
def test_every_packaged_module_can_be_finished(module_id, monkeypatch, fake):
    """A trainee can complete every exercise of every module and record the hours."""
    monkeypatch.delenv("PPSKIT_CONTENT_DIR")
    module = open_module(module_id, trainee="t-1")
    assert module.ok
    for exercise_id in module.exercise_ids:
        complete(module.exercise(exercise_id))
    assert module.remaining() == []
    assert module.finish().record() == "Recorded for t-1."
    assert fake.progress_[module_id] == set(module.exercise_ids)


# --- multiple choice -------------------------------------------------------------------


def test_choice_wrong_then_right_explains_why():
    module = open_module(MODULE)
    view = module.exercise(CHOICE)
    spec = view.spec
    assert view.check() is False
    assert "Choose an answer first" in view.feedback_text
    view.choose(1)
    assert view.check() is False
    assert spec.options[1].feedback.strip() in view.feedback_text
    assert "try another answer" in view.feedback_text
    assert not view.done
    view.choose(0)
    assert view.check() is True
    assert "That's right" in view.feedback_text
    assert spec.options[0].feedback.strip() in view.feedback_text
    assert view.done and CHOICE in module.done


def test_choice_single_answer_ticks_like_radio_buttons():
    view = open_module(MODULE).exercise(CHOICE)
    view._boxes[0].value = True
    view._boxes[2].value = True
    assert view.selected == (2,)
    with pytest.raises(ValueError):
        view.choose(0, 1)


def test_choose_all_that_apply():
    view = open_module(MODULE).exercise(MULTI)
    view.choose(0)
    assert view.check() is False
    assert "at least one more good answer" in view.feedback_text
    view.choose(0, 1, 2)
    assert view.check() is False
    assert view.spec.options[2].feedback.strip() in view.feedback_text
    view.choose(0, 1)
    assert view.check() is True
    assert view.done


# --- sort ------------------------------------------------------------------------------


def test_sort_order_is_fixed_and_covers_every_card():
    a = open_module(MODULE).exercise(SORT)
    b = open_module(MODULE).exercise(SORT)
    assert a.cards == b.cards
    assert sorted(a.cards) == sorted(c.text.strip() for c in a.spec.cards)


def test_sort_reasons_appear_when_right_and_after_two_misses():
    view = open_module(MODULE).exercise(SORT)
    private = next(c for c in view.spec.cards if c.answer == "Keep it private")
    shared = next(c for c in view.spec.cards if c.answer == "Share it")
    view.place(private.text, "Share it")
    view.place(shared.text, "Share it")
    assert view.check() is False
    text = view.feedback_text
    assert shared.why.strip() in text
    assert private.why.strip() not in text  # the reason would give the answer away
    assert "still to place" in text
    view.check()
    assert private.why.strip() in view.feedback_text
    assert '"Keep it private"' in view.feedback_text
    for card in view.spec.cards:
        view.place(card.text, card.answer)
    assert view.check() is True
    assert "Every card is in the right group" in view.feedback_text
    assert view.done


def test_sort_rejects_unknown_group():
    view = open_module(MODULE).exercise(SORT)
    with pytest.raises(ValueError):
        view.place(0, "Somewhere else")


# --- decision tree ---------------------------------------------------------------------


def test_decision_poor_path_explains_and_can_restart():
    view = open_module(MODULE).exercise(DECISION)
    start = view.node_id
    long_way = view.spec.nodes[start].choices[1]
    view.choose(long_way.label)
    assert view.at_end and view.outcome == "poor"
    assert long_way.feedback.strip() in view.feedback_text
    assert "did not go well" in view.feedback_text
    # A path that ends badly asks to try again; it does not count as done.
    assert not view.done and "try another path" in view.feedback_text
    with pytest.raises(ValueError):
        view.choose(0)
    view.restart()
    assert view.node_id == start and not view.at_end and view.feedback_text == ""
    view.choose(0)
    assert view.outcome == "good" and "went well" in view.feedback_text
    assert view.done
    assert view.path == [start, "short"]


# --- journal ---------------------------------------------------------------------------


def test_journal_asks_who_you_are_then_saves_privately(isolated, fake):
    module = open_module(MODULE)
    view = module.exercise(JOURNAL)
    assert view.save() is False
    assert "Write something" in view.feedback_text
    view.write(0, "Our first crisis feels settled now.")
    assert view.save() is False
    assert "trainee ID" in view.feedback_text
    assert view._who.children  # the ID box is shown
    assert not (isolated / "journal").exists()
    view.trainee_prompt.submit("t-0042")
    assert module.trainee == "t-0042"
    assert view.done and "never graded" in view.feedback_text
    path = isolated / "journal" / "t-0042" / f"{MODULE}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    answers = data["exercises"][JOURNAL]["answers"]
    assert answers[0]["answer"] == "Our first crisis feels settled now."
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # Opening the exercise again shows what was written.
    again = open_module(MODULE, trainee="t-0042").exercise(JOURNAL)
    assert again.answers[0] == "Our first crisis feels settled now."


def test_journal_rejects_an_unusable_trainee_id(fake):
    view = open_module(MODULE).exercise(JOURNAL)
    view.write(1, "Still fresh.")
    view.save()
    view.trainee_prompt.submit("my name with spaces")
    assert "letters, numbers" in view.feedback_text
    assert not view.done


# --- telling your story ----------------------------------------------------------------


def test_story_builder_guides_to_a_boundaried_story(isolated):
    module = open_module(MODULE, trainee="t-7")
    view = module.exercise(STORY)
    assert view.mark_ready() is False
    assert "Choose why you are telling this story" in view.feedback_text
    view.write("moment", "My son's diagnosis came when he was six and I felt alone.")
    assert view.warnings == [view.spec.red_flags[0].message.strip()]
    view.write("helped", " ".join(["word"] * 31))
    assert view.word_counts["helped"] == 31
    view.set_purpose("To instill hope")
    view.set_audience("A support group")
    view.answer(0, "yes")  # shares details the child has not agreed to
    view.answer(1, "yes")
    assert view.mark_ready() is False
    text = view.feedback_text
    assert view.spec.boundary_checks[0].why.strip() in text
    assert "Shorten it to 30" in text
    assert not view.done
    write_ready_story(view)
    assert view.done
    entry = json.loads(
        (isolated / "journal" / "t-7" / f"{MODULE}.json").read_text(encoding="utf-8")
    )["exercises"][STORY]
    assert entry["ready"] is True and entry["purpose"] == "To instill hope"
    assert "Purpose: To instill hope" in view.preview()


def test_story_draft_can_be_saved_before_ready(isolated):
    view = open_module(MODULE, trainee="t-7").exercise(STORY)
    view.write("moment", "A first try.")
    assert view.save() is True
    assert not view.done
    reopened = open_module(MODULE, trainee="t-7").exercise(STORY)
    assert reopened.parts["moment"] == "A first try."


# --- plain text and no answers on screen before answering ------------------------------


def test_plain_text_shows_no_keys_or_feedback():
    module = open_module(MODULE)
    secrets = []
    for ex in module.content.exercises:
        for opt in getattr(ex, "options", []):
            secrets.append(opt.feedback.strip())
        for card in getattr(ex, "cards", []):
            secrets.append(card.why.strip())
        for node in getattr(ex, "nodes", {}).values():
            secrets += [c.feedback.strip() for c in node.choices or []]
        for check in getattr(ex, "boundary_checks", []):
            secrets.append(check.why.strip())
    for ex_id in module.exercise_ids:
        view = module.exercise(ex_id)
        bundle = view._repr_mimebundle_()
        assert "application/vnd.jupyter.widget-view+json" in bundle
        text = bundle["text/plain"]
        assert view.spec.title in text
        assert "correct" not in text.lower()
        for secret in secrets:
            assert secret not in text


def test_problems_are_plain_sentences():
    broken = open_module("no-such-module")
    assert isinstance(broken, BrokenModule)
    assert repr(broken.exercise("x")).startswith(PROBLEM_MARKER)
    missing = open_module(MODULE).exercise("telling-your-story-nope")
    assert repr(missing).startswith(PROBLEM_MARKER)
    assert "Traceback" not in repr(missing)


def test_missing_content_file_is_explained(tmp_path, monkeypatch):
    monkeypatch.setenv("PPSKIT_CONTENT_DIR", str(tmp_path))
    broken = open_module(MODULE)
    assert isinstance(broken, BrokenModule)
    assert "missing" in broken.problem.text


# --- who is the trainee ----------------------------------------------------------------


def test_trainee_from_environment(monkeypatch, fake):
    monkeypatch.setenv("JUPYTERHUB_USER", "hub-user")
    module = open_module(MODULE)
    assert module.trainee == "hub-user" and module.identity.how == "hub"
    assert not module.identity.changeable  # a hub account is who you are
    monkeypatch.setenv("PPSKIT_TRAINEE", "t-1")
    assert open_module(MODULE).trainee == "t-1"
    monkeypatch.setenv("PPSKIT_TRAINEE", "not a valid id")
    monkeypatch.delenv("JUPYTERHUB_USER")
    assert open_module(MODULE).trainee is None


# --- progress and Record my hours (fake ledger) -----------------------------------------


def test_progress_stays_in_memory_until_trainee_known(fake):
    module = open_module(MODULE)
    view = module.exercise(CHOICE)
    view.choose(0)
    view.check()
    assert fake.calls == []
    finish = module.finish()
    assert "[x] Why share at all?" in finish.checklist_text
    assert "trainee ID" in finish.record()
    assert fake.calls == []
    finish.trainee_prompt.submit("t-9")
    assert fake.writes == ["mark_done"]  # the work done before sign-in goes to t-9
    message = finish.record()
    assert "finish these first" in message and "- Share it or keep it private?" in message
    assert "record_hours" not in fake.names()


def test_record_my_hours_once_everything_is_done(fake, monkeypatch):
    monkeypatch.setenv("PPSKIT_TRAINEE", "t-9")
    module = open_module(MODULE)
    solve_all(module)
    assert fake.progress_[MODULE] == set(module.exercise_ids)
    finish = module.finish()
    assert finish.record() == "Recorded for t-9."
    assert finish.record() == "Already recorded."
    assert fake.names().count("record_hours") == 2
    assert len(fake.recorded) == 1


def test_progress_from_an_earlier_session_counts(fake, monkeypatch):
    monkeypatch.setenv("PPSKIT_TRAINEE", "t-9")
    fake.progress_[MODULE] = set(load_content(MODULE).ids) - {STORY}
    module = open_module(MODULE)
    write_ready_story(module.exercise(STORY))
    assert module.finish().record() == "Recorded for t-9."


def test_ledger_failures_are_plain_sentences(monkeypatch):
    module = open_module(MODULE, trainee="t-9", backend=FakeBackend())
    module.backend.fail = RuntimeError("database is locked")
    view = module.exercise(CHOICE)
    view.choose(0)
    assert view.check() is True  # the trainee's feedback is not disturbed
    message = module.finish().record()
    assert "nothing was saved" in message and "Traceback" not in message
    assert CHOICE in module.done


def test_ledger_refusal_reasons_read_as_sentences():
    from ppskit.imports import ImportRejected, RowError

    exc = ImportRejected("Record my hours", [RowError(0, "trainee_id", "unknown trainee 'x'")])
    text = module_mod._friendly(exc)
    assert text.startswith("Nothing was recorded") and "not registered" in text


# --- the real ledger --------------------------------------------------------------------


def register(db: str, trainee_id: str) -> None:
    """Register one trainee in the ledger at ``db``."""
    register_trainee(db, trainee_id)


def test_headless_run_without_trainee_writes_nothing(isolated):
    module = open_module(MODULE)
    solve_all_without_saving(module)
    module.finish()
    assert not (isolated / "ledger.db").exists()
    assert not (isolated / "journal").exists()


def solve_all_without_saving(module) -> None:
    c = module.exercise(CHOICE)
    c.choose(0)
    c.check()
    d = module.exercise(DECISION)
    d.choose(0)


def test_real_ledger_records_hours_once(isolated):
    db = os.environ["PPSKIT_DB"]
    register(db, "t-100")
    # db passed explicitly: ppskit.db caches the engine for db=None across tests.
    module = open_module(MODULE, trainee="t-100", db=db)
    solve_all(module)
    from ppskit.ledger.api import exercise_progress, hours_frame

    assert exercise_progress("t-100", db=db)[MODULE] == set(module.exercise_ids)
    finish = module.finish()
    first = finish.record()
    second = finish.record()
    assert first.startswith(f"Recorded {module.hours:g} core hours of this module for t-100")
    assert "already recorded" in second
    rows = hours_frame(db=db)
    rows = rows[rows["trainee_id"] == "t-100"]
    assert len(rows) == 1
    row = rows.iloc[0]
    assert (row["category"], row["topic"], row["source"], float(row["hours"])) == (
        "core",
        MODULE,
        "module",
        module.hours,
    )
    assert not bool(row["verified"])


def test_real_ledger_specialty_module_counts_as_ce(isolated):
    db = os.environ["PPSKIT_DB"]
    register(db, "t-101")
    info = load_framework().module("secondary-trauma")
    module = Module(info, load_content(MODULE), trainee="t-101", db=db)
    module.done = set(module.exercise_ids)
    module._unsynced = dict.fromkeys(module.exercise_ids)
    assert "Recorded" in module.finish().record()
    from ppskit.ledger.api import hours_frame

    row = hours_frame(db=db).iloc[0]
    assert (row["category"], row["topic"], float(row["hours"])) == (
        "ce",
        "secondary-trauma",
        info.hours,
    )


def test_real_ledger_unknown_trainee_is_explained(isolated):
    db = os.environ["PPSKIT_DB"]
    register(db, "t-100")
    module = open_module(MODULE, trainee="t-unknown", db=db)
    assert module.trainee is None  # never saved under an unregistered id
    assert "could not find the trainee ID t-unknown" in module.notice
    solve_all_without_saving(module)
    message = module.finish().record()
    assert "type your trainee ID" in message


# --- import cost ------------------------------------------------------------------------


def test_opening_a_module_imports_no_heavy_libraries():
    code = (
        "import sys; from ppskit.exercises import open_module; "
        f"m = open_module({MODULE!r}); [m.exercise(i) for i in m.exercise_ids]; m.finish(); "
        "print(','.join(x for x in ('pandas', 'matplotlib', 'sqlalchemy', 'nbformat') "
        "if x in sys.modules))"
    )
    env = {**os.environ, "PPSKIT_CONTENT_DIR": str(FIXTURE_CONTENT)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == ""
