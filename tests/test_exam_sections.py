"""Exam sections are a profile's choice: per domain, one total, or groups of domains."""

from __future__ import annotations

import pytest
import yaml
from pydantic import ValidationError

from ppskit.framework import load_framework
from ppskit.policies import _profile_dir, load_policy, parse_policy


def _with_sections(sections: object) -> str:
    data = yaml.safe_load(_profile_dir().joinpath("ca-ppss.yaml").read_text(encoding="utf-8"))
    data["exam_rules"]["sections"] = sections
    return yaml.safe_dump(data)


def test_ca_ppss_scores_four_sections_of_three_domains():
    p = load_policy("ca-ppss")
    assert p.sections == [
        "engaging-families",
        "safety-and-wellbeing",
        "systems-and-resources",
        "professional-practice",
    ]
    assert p.section_domains["engaging-families"] == [
        "communication",
        "culture",
        "telling-your-story",
    ]
    assert p.section_of("culture") == "engaging-families"
    assert p.section_of("ethics-boundaries") == "professional-practice"
    assert p.section_label("safety-and-wellbeing") == "Safety and well-being"
    rules = p.exam_rules.sections
    assert all(s.unverified and s.reference.startswith("setting:") for s in rules.values())


def test_framework_and_total_sections():
    domains = list(load_framework().domain_ids)
    per_domain = parse_policy(_with_sections("framework"))
    assert per_domain.sections == domains
    assert per_domain.section_of("culture") == "culture"
    assert per_domain.section_label("culture") == load_framework().domain("culture").name
    total = load_policy("nff-cfps")
    assert total.sections == ["total"] and total.section_domains["total"] == domains
    assert total.section_of("culture") == "total"


def _groups(**overrides: list[str]) -> dict:
    domains = list(load_framework().domain_ids)
    groups = {f"part-{i}": {"label": f"Part {i}", "domains": domains[i::3]} for i in range(3)}
    for sid, ds in overrides.items():
        groups[sid] = {"label": sid, "domains": ds}
    return groups


def test_a_grouping_must_hold_every_domain_exactly_once():
    assert parse_policy(_with_sections(_groups())).sections == ["part-0", "part-1", "part-2"]
    missing = _groups()
    missing["part-0"]["domains"] = missing["part-0"]["domains"][1:]
    with pytest.raises(ValidationError, match="in no exam section"):
        parse_policy(_with_sections(missing))
    with pytest.raises(ValidationError, match="is in sections"):
        parse_policy(_with_sections(_groups(again=["culture"])))
    with pytest.raises(ValidationError, match="not a framework domain"):
        parse_policy(_with_sections(_groups(extra=["juggling"])))
    with pytest.raises(ValidationError, match="kebab-case"):
        bad = _groups()
        bad["Part_Zero"] = bad.pop("part-0")
        parse_policy(_with_sections(bad))
