"""Modified Angoff standard setting: synthetic panels whose cuts are known in advance."""

from __future__ import annotations

import csv
import math
import shutil
import statistics
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml
from fixtures.exam.support import FIXTURE_ASSESSMENTS, make_course
from typer.testing import CliRunner

from ppskit.cli import app
from ppskit.exam.bank import load_bank
from ppskit.exam.standard_setting import (
    CutFile,
    StandardSettingError,
    icc_2_1,
    load_cuts,
    mean_pairwise_r,
    run_study,
    study_report,
)
from ppskit.imports import ImportRejected

runner = CliRunner()
DAY = date(2025, 3, 1)
JUDGES = [f"j{n}" for n in range(1, 9)]


@pytest.fixture
def assessments(tmp_path: Path) -> Path:
    target = tmp_path / "assessments"
    shutil.copytree(FIXTURE_ASSESSMENTS, target)
    return target


@pytest.fixture
def form_a(assessments: Path) -> list:
    return load_bank(assessments).form_items("A")


def write_ratings(path: Path, rows: list[tuple], *, rounds: bool = False) -> Path:
    """Rows are (judge, item_id, rating) or, with ``rounds``, (judge, item_id, rating, round).
    Line 1 is the header, so the n-th row is on line n + 1."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["judge", "item_id", "rating", *(["round"] if rounds else [])])
        writer.writerows(rows)
    return path


def panel(items: list, rate, judges: list[str] = JUDGES) -> list[tuple]:
    """Every judge rates every item: ``rate(judge_index, item)``."""
    return [(j, item.id, rate(n, item)) for n, j in enumerate(judges) for item in items]


def study(tmp_path: Path, assessments: Path, rows: list[tuple], **kwargs):  # noqa: ANN003, ANN201
    ratings = write_ratings(tmp_path / "ratings.csv", rows, rounds=len(rows[0]) == 4)
    return run_study(ratings, assessments, study_date=DAY, **kwargs)


def test_every_judge_rating_0_6_gives_a_cut_of_60_percent_and_no_error(
    tmp_path, assessments, form_a
) -> None:
    result = study(tmp_path, assessments, panel(form_a, lambda n, i: 0.6))
    (fs,) = result.forms
    assert (fs.form, fs.round, fs.judges) == ("A", 1, 8)
    assert fs.total.points == 27 and fs.total.items == 25
    assert fs.total.cut_points == pytest.approx(0.6 * 27)
    assert fs.total.cut_pct == pytest.approx(60.0)
    assert fs.total.se_pct == pytest.approx(0.0)
    assert len(fs.sections) == 12
    for cut in fs.sections.values():
        assert cut.cut_pct == pytest.approx(60.0) and cut.se_points == pytest.approx(0.0)
    assert fs.sections["crisis-safety"].cut_points == pytest.approx(0.6 * 5)  # 2 mc + a 3-pt
    assert fs.icc is None and fs.mean_r is None  # nothing varies: agreement is not defined
    assert fs.flagged_judges == [] and fs.flagged_items.empty
    assert result.percent is False


def test_known_judge_offsets_give_the_known_mean_and_standard_error(
    tmp_path, assessments, form_a
) -> None:
    offsets = [-0.10, -0.05, -0.05, 0.0, 0.0, 0.05, 0.05, 0.10]
    result = study(tmp_path, assessments, panel(form_a, lambda n, i: 0.6 + offsets[n]))
    (fs,) = result.forms
    expected_se = 100 * statistics.stdev(offsets) / math.sqrt(8)
    assert fs.total.cut_pct == pytest.approx(60.0)
    assert fs.total.se_pct == pytest.approx(expected_se)
    assert fs.sections["advocacy"].se_pct == pytest.approx(expected_se)
    assert fs.sections["crisis-safety"].se_pct == pytest.approx(expected_se)
    cuts = {j.judge: j.cut_pct for j in fs.judge_cuts}
    assert cuts == pytest.approx({j: 60 + 100 * o for j, o in zip(JUDGES, offsets, strict=True)})
    assert fs.flagged_judges == []  # an ordinary spread flags nobody
    assert fs.flagged_items.empty  # SD 0.065 < 0.15


def test_a_scenario_rating_is_the_expected_share_of_its_points(
    tmp_path, assessments, form_a
) -> None:
    result = study(
        tmp_path,
        assessments,
        panel(form_a, lambda n, i: 0.5 if i.type == "scenario" else 0.6),
    )
    crisis = result.forms[0].sections["crisis-safety"]
    assert crisis.cut_points == pytest.approx(2 * 0.6 + 3 * 0.5)
    assert crisis.cut_pct == pytest.approx(100 * 2.7 / 5)


def test_a_judge_far_from_the_rest_is_flagged(tmp_path, assessments, form_a) -> None:
    offsets = [-0.02, -0.01, 0.0, 0.0, 0.01, 0.02, 0.0, 0.30]
    result = study(tmp_path, assessments, panel(form_a, lambda n, i: 0.55 + offsets[n]))
    (fs,) = result.forms
    assert [j.judge for j in fs.flagged_judges] == ["j8"]
    far = fs.flagged_judges[0]
    assert far.cut_pct == pytest.approx(85.0)
    assert far.others_pct == pytest.approx(55.0)
    assert far.gap_pct == pytest.approx(30.0)


def test_an_item_with_widely_spread_ratings_is_listed_for_discussion(
    tmp_path, assessments, form_a
) -> None:
    target = form_a[0].id
    rows = panel(form_a, lambda n, i: (0.3 if n % 2 else 0.9) if i.id == target else 0.6)
    (fs,) = study(tmp_path, assessments, rows).forms
    assert list(fs.flagged_items["item_id"]) == [target]
    assert fs.flagged_items.iloc[0]["sd"] == pytest.approx(statistics.stdev([0.9, 0.3] * 4))
    (loose,) = study(tmp_path, assessments, rows, sd_threshold=0.4).forms
    assert loose.flagged_items.empty


def test_round_two_supersedes_round_one_and_shows_the_movement(
    tmp_path, assessments, form_a
) -> None:
    spread = form_a[1].id
    first = [
        (*r, 1)
        for r in panel(form_a, lambda n, i: (0.2 if n % 2 else 0.8) if i.id == spread else 0.5)
    ]
    second = [(*r, 2) for r in panel(form_a, lambda n, i: 0.7)]
    result = study(tmp_path, assessments, first + second)
    (fs,) = result.forms
    assert fs.round == 2
    assert fs.total.cut_pct == pytest.approx(70.0)
    m = fs.movement
    assert m.round1_cut_pct == pytest.approx(100 * (0.5 * 26 + 0.5 * 1) / 27)
    changes = [0.2] * 24 * 8 + [0.5, 0.1] * 4  # the spread item moved from 0.2/0.8 to 0.7
    assert m.mean_abs_change == pytest.approx(sum(changes) / len(changes))
    assert m.shrank == [spread] and m.grew == []
    assert load_cuts(assessments, "A").round == 2


def test_five_judges_is_a_plain_error_and_nothing_is_written(tmp_path, assessments, form_a) -> None:
    with pytest.raises(StandardSettingError) as err:
        study(tmp_path, assessments, panel(form_a, lambda n, i: 0.6, JUDGES[:5]))
    assert str(err.value) == (
        "a modified Angoff study needs at least 6 judges (8–10 preferred); this file has 5"
    )
    assert not (assessments / "cuts").exists()


def test_unknown_item_bad_rating_and_missing_rating_are_row_errors(
    tmp_path, assessments, form_a
) -> None:
    rows = panel(form_a, lambda n, i: 0.6)
    rows[3] = ("j1", "advocacy-z9", 0.6)  # line 5: not in the bank (and j1 now lacks row 3)
    rows[30] = (rows[30][0], rows[30][1], 1.4)  # line 32: above 1
    missing = rows.pop(60)  # j3 never rates this item
    report = tmp_path / "items.csv"
    with pytest.raises(ImportRejected) as err:
        study(tmp_path, assessments, rows, report=report)
    found = {(e.line, e.column) for e in err.value.errors}
    assert (5, "item_id") in found
    assert (32, "rating") in found
    by_line = {e.line: e for e in err.value.errors}
    assert "advocacy-z9" in by_line[5].message and "not in the item bank" in by_line[5].message
    assert "1.4 is more than 1" in by_line[32].message
    lacking = [e.message for e in err.value.errors if e.line == 0]
    assert any(f"judge j3 has no rating for item {missing[1]}" in m for m in lacking)
    assert any(f"judge j1 has no rating for item {form_a[3].id}" in m for m in lacking)
    assert "nothing was written" in err.value.report()
    assert not (assessments / "cuts").exists() and not report.exists()


def test_a_rating_given_twice_is_a_row_error(tmp_path, assessments, form_a) -> None:
    rows = panel(form_a, lambda n, i: 0.6)
    rows.append(rows[0])
    with pytest.raises(ImportRejected) as err:
        study(tmp_path, assessments, rows)
    (e,) = err.value.errors
    assert e.line == len(rows) + 1 and "already rated" in e.message and "(line 2)" in e.message


def test_percentages_are_read_when_every_rating_is_above_one(tmp_path, assessments, form_a) -> None:
    result = study(tmp_path, assessments, panel(form_a, lambda n, i: 60))
    assert result.percent is True
    assert result.forms[0].total.cut_pct == pytest.approx(60.0)
    assert "read as percentages" in study_report(result)


def test_the_cut_file_validates_and_load_cuts_returns_the_numbers(
    tmp_path, assessments, form_a
) -> None:
    offsets = [-0.10, -0.05, -0.05, 0.0, 0.0, 0.05, 0.05, 0.10]
    result = study(tmp_path, assessments, panel(form_a, lambda n, i: 0.6 + offsets[n]))
    path = assessments / "cuts" / "A.yaml"
    assert result.written == [path]
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    CutFile.model_validate(raw)
    assert raw["method"] == "modified-angoff" and raw["source"] == "ratings.csv"
    cuts = load_cuts(assessments, "A")
    assert (cuts.form, cuts.judges, cuts.round, cuts.study_date) == ("A", 8, 1, DAY)
    assert cuts.total.cut_pct == pytest.approx(60.0)
    assert cuts.total.cut_points == pytest.approx(16.2)
    se = 100 * statistics.stdev(offsets) / math.sqrt(8)
    assert cuts.total.se_pct == pytest.approx(se, abs=0.005)
    assert set(cuts.sections) == set(result.forms[0].sections)
    assert cuts.sections["crisis-safety"].points == 5
    raw["total"]["cut_pct"] = 75.0  # hand-edited: no longer the cut of its points
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(StandardSettingError, match="cut_pct"):
        load_cuts(assessments, "A")
    with pytest.raises(StandardSettingError, match="no cut file for form B"):
        load_cuts(assessments, "B")


def test_each_form_gets_its_own_cut_file(tmp_path, assessments, form_a) -> None:
    form_b = load_bank(assessments).form_items("B")
    rows = panel(form_a, lambda n, i: 0.6) + panel(form_b, lambda n, i: 0.7)
    result = study(tmp_path, assessments, rows, out=tmp_path / "cuts")
    assert [fs.form for fs in result.forms] == ["A", "B"]
    assert load_cuts(assessments, "A", folder=tmp_path / "cuts").total.cut_pct == 60.0
    assert load_cuts(assessments, "B", folder=tmp_path / "cuts").total.cut_pct == 70.0


def test_icc_2_1_matches_shrout_and_fleiss() -> None:
    # Shrout & Fleiss (1979), table 2: six targets rated by four judges; ICC(2,1) = 0.29.
    data = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
    matrix = pd.DataFrame(data, columns=list("abcd"))
    assert icc_2_1(matrix) == pytest.approx(0.2898, abs=1e-4)
    linear = pd.DataFrame({"a": [0.2, 0.5, 0.9], "b": [0.3, 0.6, 1.0], "c": [0.1, 0.25, 0.45]})
    assert mean_pairwise_r(linear) == pytest.approx(1.0)


def test_cli_prints_the_report_and_writes_cuts_and_item_table(tmp_path, form_a) -> None:
    course = make_course(tmp_path / "course")
    offsets = [-0.02, -0.01, 0.0, 0.0, 0.01, 0.02, 0.0, 0.30]
    ratings = write_ratings(tmp_path / "ratings.csv", panel(form_a, lambda n, i: 0.55 + offsets[n]))
    report = tmp_path / "items.csv"
    result = runner.invoke(
        app,
        [
            "exam",
            "standard-setting",
            str(ratings),
            "--course",
            str(course.root),
            "--date",
            "2025-03-01",
            "--report",
            str(report),
        ],
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "section" in out and "cut %" in out and "SE %" in out and "judges" in out
    assert "total" in out and "j8: cut 85.0 %" in out
    assert str(course.assessments / "cuts" / "A.yaml") in out
    assert load_cuts(course.assessments, "A").study_date == DAY
    table = pd.read_csv(report)
    assert list(table.columns) == [
        "item_id",
        "form",
        "section",
        "mean",
        "sd",
        "n_judges",
        "flagged",
    ]
    assert len(table) == 25 and set(table["n_judges"]) == {8}


def test_cli_reports_problems_plainly(tmp_path, assessments, form_a) -> None:
    few = write_ratings(tmp_path / "few.csv", panel(form_a, lambda n, i: 0.6, JUDGES[:5]))
    result = runner.invoke(
        app, ["exam", "standard-setting", str(few), "--assessments", str(assessments)]
    )
    assert result.exit_code == 1
    assert "needs at least 6 judges (8–10 preferred); this file has 5" in result.output
    rows = panel(form_a, lambda n, i: 0.6)
    rows[0] = (rows[0][0], rows[0][1], 1.4)
    bad = write_ratings(tmp_path / "bad.csv", rows)
    result = runner.invoke(
        app, ["exam", "standard-setting", str(bad), "--assessments", str(assessments)]
    )
    assert result.exit_code == 1
    assert "bad.csv, line 2, column rating: 1.4 is more than 1" in result.output
    good = write_ratings(tmp_path / "good.csv", panel(form_a, lambda n, i: 0.6))
    args = ["exam", "standard-setting", str(good), "--assessments", str(assessments)]
    result = runner.invoke(app, [*args, "--round-sd-threshold", "1.5"])
    assert result.exit_code == 1 and "between 0 and 1" in result.output
    assert not (assessments / "cuts").exists()
