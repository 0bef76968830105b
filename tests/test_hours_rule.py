"""The hours rule: every credited hour comes from the stated rule applied to the content,
the stored hours equal it, and the curriculum adds up to what a certificate needs."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ppskit.cli import app
from ppskit.framework import load_framework
from ppskit.hours_rule import (
    count_words,
    curriculum_hours,
    drift,
    load_rule,
    measure_module,
    round_down,
)
from ppskit.sessions import load_guide


def test_stored_hours_are_the_rules():
    assert drift() == []


def test_a_module_is_its_words_at_the_reading_speed_plus_its_exercises(tmp_path):
    rule = load_rule()
    m = measure_module("communication")
    assert m.reading_minutes == pytest.approx(m.words / rule.wpm)
    per = rule.exercise_minutes.values
    assert m.exercise_minutes == sum(per[k] * n for k, n in m.exercises.items())
    assert m.credited_hours == round_down(m.self_study_minutes / 60, 0.25)
    assert m.credited_hours <= m.self_study_minutes / 60  # never more than measured


def test_word_count_leaves_markup_and_link_targets_out():
    text = "## A heading\n\nRead **this** [page](https://example.org/a/b/c) now.\n- one item"
    assert count_words(text) == 8  # A heading Read this page now one item


def test_round_down_never_credits_more():
    assert round_down(0.74, 0.25) == 0.5
    assert round_down(0.75, 0.25) == 0.75
    assert round_down(0.1, 0.25) == 0.25  # a module credits at least one step


def test_a_session_is_its_agenda_minutes_without_breaks():
    g = load_guide("communication-session")
    credited = sum(a.minutes for a in g.agenda if a.activity != "break")
    assert g.minutes == credited and g.hours == pytest.approx(int(credited * 100 / 60) / 100)


def test_the_curriculum_adds_up_honestly():
    fw = load_framework()
    c = curriculum_hours()
    core = c.total("core", "modules") + c.total("core", "sessions")
    assert core >= fw.training_hours.minimum
    ce = c.total("ce", "modules") + c.total("ce", "sessions")
    assert ce >= load_rule().targets.ce_hours_per_renewal.value
    # CalMHSA's renewal asks 6 hours of law and ethics: the law-ethics modules and sessions.
    law = sum(m.credited_hours for m in c.modules if fw.module(m.module_id).topic == "law-ethics")
    law += sum(h for cat, topic, h in c.sessions.values() if topic == "law-ethics")
    assert law >= 6
    # Every core domain has its facilitated session.
    assert {d.id for d in fw.domains} <= {t for cat, t, _ in c.sessions.values() if cat == "core"}


def test_modules_list_prints_the_rule_and_the_totals():
    out = CliRunner().invoke(app, ["modules", "list"]).output
    assert "Hours rule: a module's teaching text read at 150 words a minute" in out
    assert "Core training:" in out and "facilitated sessions =" in out
    assert "Continuing education:" in out and "a renewal asks 20 h" in out
    assert "without a facilitated session guide" not in out


def test_every_notebook_shows_its_rule_hours():
    for m in load_framework().modules:
        from ppskit.curriculum import notebook_path

        nb = json.loads(notebook_path(m.id).read_text(encoding="utf-8"))
        assert nb["metadata"]["ppskit"]["hours"] == m.hours


def test_the_handbook_says_how_hours_are_counted():
    from ppskit.handbook import handbook_html
    from ppskit.policies import load_policy

    html = handbook_html(load_policy("calmhsa-pss-pc"))
    assert "How training hours are counted" in html
    assert "150 words a minute" in html and "never credits hours" in html
