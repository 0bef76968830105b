"""The packaged facilitated-session guides: each one loads under the schema, every core
domain has exactly one core guide, and each guide is something a trainer can run as
written (minutes in range, role-plays with both parts speaking, a rubric whose levels a
trainer can tell apart)."""

from __future__ import annotations

import pytest

from ppskit.curriculum import grade_level
from ppskit.framework import load_framework
from ppskit.sessions import GuideError, available_guides, guides_dir, load_guide

FRAMEWORK = load_framework()
GUIDE_IDS = available_guides()


def _loadable() -> dict:
    """The guides that load; a broken one fails only its own validation test below."""
    out = {}
    for gid in GUIDE_IDS:
        try:
            out[gid] = load_guide(gid)
        except GuideError:
            continue
    return out


GUIDES = _loadable()
CORE = {gid: g for gid, g in GUIDES.items() if g.kind == "core"}

#: The shape every core session keeps (issue 12, "True hours"): credited minutes, the
#: break, the skill check and the counts a facilitator works from.
CORE_MINUTES = (165, 195)
BREAK_MINUTES = (10, 15)
SKILL_CHECK_MINUTES = (25, 35)
ROLE_PLAYS = (2, 3)
MIN_SCRIPT_LINES = 8
MIN_DISCUSSION = 5
CRITERIA = (4, 6)
#: Trainers read the guide aloud and trainees speak its scripts: the same ceiling as a
#: module notebook (Flesch-Kincaid grade 11), and the scripts plainer still.
MAX_GUIDE_GRADE = 11.0
MAX_SCRIPT_GRADE = 8.0


def _sentences(texts) -> str:
    """Texts joined as sentences (a list item without a full stop is one sentence)."""
    return " ".join(t if t.rstrip()[-1:] in ".?!:;\"')" else t + "." for t in texts)


def _guide_texts(guide) -> list[str]:
    texts = [guide.title, guide.purpose, guide.participants, *guide.materials]
    texts += [step for item in guide.agenda for step in item.steps]
    for rp in guide.role_plays:
        texts += [rp.setup, *(p.brief for p in rp.parts), *rp.debrief]
    texts += guide.discussion_questions
    if guide.skill_check:
        check = guide.skill_check
        texts += [check.scenario, check.observer]
        texts += [text for c in check.criteria for text in c.levels.values()]
    return texts


def test_there_are_guides():
    assert GUIDE_IDS, f"no session guides packaged in {guides_dir()}"


@pytest.mark.parametrize("guide_id", GUIDE_IDS)
def test_guide_validates_and_names_its_file(guide_id):
    try:
        guide = load_guide(guide_id)
    except GuideError as exc:
        pytest.fail(str(exc), pytrace=False)
    assert guide.id == guide_id
    if guide.kind == "core":
        assert guide.topic in FRAMEWORK.domain_ids, (
            f"{guide_id}: topic {guide.topic!r} is not a core domain of the framework"
        )
    else:
        specialties = [s.id for s in FRAMEWORK.specialty]
        assert guide.topic in specialties, (
            f"{guide_id}: topic {guide.topic!r} is not a CE specialty of the framework"
        )


@pytest.mark.parametrize("domain_id", FRAMEWORK.domain_ids)
def test_every_core_domain_has_exactly_one_core_guide(domain_id):
    found = sorted(gid for gid, g in CORE.items() if g.topic == domain_id)
    assert found, (
        f"core domain {domain_id!r} has no facilitated session guide yet: "
        f"add src/ppskit/sessions/guides/{domain_id}-session.yaml"
    )
    assert len(found) == 1, f"core domain {domain_id!r} has more than one core guide: {found}"


@pytest.mark.parametrize("guide_id", sorted(CORE))
def test_core_session_length_break_and_skill_check(guide_id):
    guide = CORE[guide_id]
    low, high = CORE_MINUTES
    assert low <= guide.minutes <= high, (
        f"{guide_id}: {guide.minutes} credited minutes; a core session credits {low}-{high}"
    )
    breaks = [a for a in guide.agenda if a.activity == "break"]
    assert len(breaks) == 1, f"{guide_id}: a core session has exactly one break"
    assert BREAK_MINUTES[0] <= breaks[0].minutes <= BREAK_MINUTES[1]
    # The break is on the agenda but never in the credited hours.
    assert guide.minutes == sum(a.minutes for a in guide.agenda) - breaks[0].minutes
    check = next(a for a in guide.agenda if a.id == guide.skill_check.agenda_item)
    assert SKILL_CHECK_MINUTES[0] <= check.minutes <= SKILL_CHECK_MINUTES[1], (
        f"{guide_id}: the skill check takes {check.minutes} minutes"
    )


@pytest.mark.parametrize("guide_id", sorted(CORE))
def test_core_session_has_enough_to_run(guide_id):
    guide = CORE[guide_id]
    assert ROLE_PLAYS[0] <= len(guide.role_plays) <= ROLE_PLAYS[1]
    assert len(guide.discussion_questions) >= MIN_DISCUSSION
    assert len(set(guide.discussion_questions)) == len(guide.discussion_questions)
    for rp in guide.role_plays:
        assert len(rp.script) >= MIN_SCRIPT_LINES, f"{guide_id}/{rp.id}: script too short"


@pytest.mark.parametrize("guide_id", sorted(GUIDES))
def test_role_play_scripts_are_spoken_by_the_parts(guide_id):
    for rp in GUIDES[guide_id].role_plays:
        roles = [p.role for p in rp.parts]
        assert len(set(roles)) == len(roles), f"{rp.id}: two parts share the role name"
        speakers = [rp.part_of(line.who) for line in rp.script]
        strangers = sorted({ln.who for ln, p in zip(rp.script, speakers, strict=True) if not p})
        assert not strangers, f"{guide_id}/{rp.id}: script lines by {strangers}, not a part"
        # Every part speaks, except an observer's (the one who watches and scores).
        silent = sorted(r for r in set(roles) - set(speakers) if not r.startswith("Observer"))
        assert not silent, f"{guide_id}/{rp.id}: part {silent} never speaks in the script"
        # A script alternates: nobody has two lines in a row (merge them into one line).
        # (a part that changes hats, "Peer (as the teacher)", is a new speaker).
        said = [line.who for line in rp.script]
        repeats = [i + 1 for i in range(1, len(said)) if said[i] == said[i - 1]]
        assert not repeats, (
            f"{guide_id}/{rp.id}: the same part speaks twice in a row at script line {repeats}"
        )


@pytest.mark.parametrize("guide_id", sorted(GUIDES))
def test_role_plays_sit_in_a_role_play_or_practice_item(guide_id):
    guide = GUIDES[guide_id]
    activity = {a.id: a.activity for a in guide.agenda}
    for rp in guide.role_plays:
        assert activity[rp.agenda_item] in ("role-play", "practice"), (
            f"{guide_id}/{rp.id} runs in agenda item {rp.agenda_item!r}, "
            f"a {activity[rp.agenda_item]} item"
        )


@pytest.mark.parametrize("guide_id", sorted(g for g in GUIDES if GUIDES[g].skill_check))
def test_skill_check_rubric_can_be_scored(guide_id):
    check = GUIDES[guide_id].skill_check
    if GUIDES[guide_id].kind == "core":
        assert CRITERIA[0] <= len(check.criteria) <= CRITERIA[1]
        assert check.pass_rule.min_each == 2
    for criterion in check.criteria:
        texts = [criterion.levels[level].strip().lower() for level in (1, 2, 3)]
        assert len(set(texts)) == 3, (
            f"{guide_id}/{criterion.id}: two levels have the same text, so a trainer "
            "cannot tell them apart"
        )
    labels = [c.label for c in check.criteria]
    assert len(set(labels)) == len(labels), f"{guide_id}: two criteria share a label"


@pytest.mark.parametrize("guide_id", sorted(GUIDES))
def test_guide_is_in_plain_words(guide_id):
    guide = GUIDES[guide_id]
    grade = grade_level(_sentences(_guide_texts(guide)))
    assert grade <= MAX_GUIDE_GRADE, f"{guide_id}: facilitator text reads at grade {grade:.1f}"
    spoken = [line.says for rp in guide.role_plays for line in rp.script]
    grade = grade_level(_sentences(spoken))
    assert grade <= MAX_SCRIPT_GRADE, f"{guide_id}: role-play scripts read at grade {grade:.1f}"


@pytest.mark.parametrize("guide_id", sorted(CORE))
def test_core_guide_names_its_competency_source(guide_id):
    # The core domains and their subtopics are those of seed 002; a core session says
    # which of its headings it teaches.
    sources = " ".join(CORE[guide_id].sources).lower()
    assert "seed 002" in sources, f"{guide_id}: sources do not name seed 002 and its heading"
