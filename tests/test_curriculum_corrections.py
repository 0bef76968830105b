"""Issue 13, "Corrections": each test pins one statement a certifying body sent back,
so the wrong wording cannot come back."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from ppskit import curriculum
from ppskit.exercises import load_content
from ppskit.policies import available_profiles, load_policy

ROOT = Path(__file__).resolve().parents[1]
ITEMS = ROOT / "assessments" / "items"

#: The reporting law each profile's state is taught with (issue 13), and the section a
#: trainee can look up. A profile whose name names one of these states must find it in
#: module 09.
STATE_LAWS = {
    "California": ("Child Abuse and Neglect Reporting Act", "11164"),
    "Mississippi": ("Mississippi Code", "43-21-353"),
    "Georgia": ("Code section", "19-7-5"),
}


def norm(text: str) -> str:
    """Lower case, single spaces: notebooks and YAML wrap lines differently."""
    return re.sub(r"\s+", " ", text).strip().lower()


def module_text(module_id: str) -> str:
    """The prose of one module notebook, as a trainee reads it."""
    nb = curriculum.load_notebook(curriculum.notebook_path(module_id, ROOT))
    return norm("\n".join(curriculum._source(c) for c in nb["cells"]))


def exercise_text(module_id: str) -> str:
    """Every string in a module's exercise content."""
    return norm(json.dumps(load_content(module_id).model_dump(), ensure_ascii=False))


def bank_item(path: str, item_id: str) -> dict:
    """One exam item from the bank file ``path``."""
    items = yaml.safe_load((ITEMS / path).read_text(encoding="utf-8"))["items"]
    return next(i for i in items if i["id"] == item_id)


def test_mandated_reporting_agrees_and_states_each_profile_states_law():
    nav, ethics = module_text("navigating-systems"), module_text("ethics-boundaries")
    assert "you remain a mandated reporter" not in nav
    assert "depends on your state and your job" not in ethics
    states = {
        state
        for pid in available_profiles()
        for state in STATE_LAWS
        if state in load_policy(pid).name
    }
    assert {"California", "Mississippi"} <= states
    for state in states:
        act, section = STATE_LAWS[state]
        assert f"**{state.lower()}:**" in ethics, f"module 09 has no rule for {state}"
        rule = ethics.split(f"**{state.lower()}:**", 1)[1].split("\n- ")[0]
        assert act.lower() in rule and section in rule, f"{state}: {act} {section} not cited"
        assert state.lower() in nav, f"module 05 does not point {state} to the rule"
    # Mississippi: every person must report (Miss. Code Ann. 43-21-353(1)).
    assert "any person" in ethics.split("**mississippi:**", 1)[1].split("\n")[0]
    # The supervisor is the next step after the rule, not the rule itself.
    who = ethics.split("**who reports:**", 1)[1].split("**when to report:**", 1)[0]
    assert "ask your supervisor what applies to you" not in who
    assert who.index("**next step:** ask your supervisor") > who.index("**mississippi:**")


def test_roles_case_ends_custody_at_18_and_shows_both_wordings():
    text = module_text("roles-by-intensity")
    assert "has legal custody of her grandson, who is 23" not in text
    assert "legal custody ends when a child turns 18" in text
    assert '"must be a current parent/caregiver"' in text
    assert "is raising, or has raised" in text
    exercise = exercise_text("roles-by-intensity")
    assert "has legal custody of her grandson. his behavior" not in exercise
    assert "until he turned 18" in exercise and "current parent/caregiver" in exercise


def test_service_definition_lets_a_family_end_the_service():
    text = module_text("service-definition")
    assert "so no family leaves without a plan" not in text
    assert "a family can end it at any time" in text
    assert "the youth or family asks to end the service" in text


def test_section_504_also_protects_students_with_an_iep():
    nav = module_text("navigating-systems")
    assert "including students who have an iep" in module_text("advocacy")
    assert "includes students who have an iep" in nav


def test_icwa_duty_to_ask_is_on_agency_and_court():
    text = module_text("disparities-welfare-justice")
    assert "the parent should tell the caseworker" not in text
    assert "the duty to ask belongs to the agency and the court, not the parent" in text
    assert "23.107" in text


def test_benefits_continue_during_appeal_only_when_filed_in_time():
    text = module_text("advocacy")
    assert "only if the family files in time" in text and "438.420" in text
    story = exercise_text("advocacy")
    assert "therapy is restored while the appeal is reviewed" not in story
    assert "because she filed in time" in story


def test_poverty_items_follow_the_parents_wish_and_do_not_report_hunger():
    hunger = bank_item("ethics-boundaries.yaml", "ethics-boundaries-c2")
    key = norm(hunger["options"][hunger["key"]])
    assert "food" in key and "report" not in key and "hotline" not in key
    assert "poverty is not neglect" in norm(hunger["rationale"])
    med = bank_item("behavioral-health.yaml", "behavioral-health-c5")
    key = norm(med["options"][med["key"]])
    # The key helps Zoe carry her own question to the prescriber instead of closing it.
    assert key.startswith("help her") and "prescriber" in key
    assert "not your role" not in key and "instead" not in key


#: Names the review found in arrest and court stories of the exercises; none may come
#: back in a story that mentions an arrest, a hearing or a court.
COURT_WORDS = re.compile(r"\b(arrest\w*|juvenile hall|detention|court|public defender)\b")
REPLACED = ("deshawn", "jamal", "jalen", "ms. carter", "ms. harris", "mr. brooks")


@pytest.mark.parametrize(
    "module_id", ["navigating-systems", "disparities-welfare-justice", "trauma-informed-care"]
)
def test_court_stories_do_not_reuse_the_same_names(module_id):
    for exercise in load_content(module_id).exercises:
        story = norm(json.dumps(exercise.model_dump(), ensure_ascii=False))
        if COURT_WORDS.search(story):
            reused = [n for n in REPLACED if n in story]
            assert not reused, f"{exercise.id}: {reused} in an arrest or court story"
