"""The cut a section score is judged against: a form's standard-setting cut, if any.

``ppskit exam standard-setting`` writes one ``assessments/cuts/<FORM>.yaml`` per form
(validated by :class:`~ppskit.exam.standard_setting.CutFile`); its sections are the
bank's sections, one per framework domain, plus the whole form (``total``). Forms of
different difficulty get different cuts, so the same standard holds on every form.

How a trainee's profile sections are matched to the file:

* a profile section named in the file (per-domain profiles) takes that cut;
* ``total`` takes the file's ``total``;
* a section that groups domains takes the Angoff cut of its items, which is the sum of
  its domains' cut points over the sum of their points (the Angoff cut is additive);
* if any profile section cannot be made this way (a domain missing from the file), or
  the points in the file differ from the sitting's (the form changed after the study),
  the file is ignored for that sitting with a warning: the profile's pass mark is used.

A file that exists but cannot be read or does not validate is an error
(:class:`CutFileError`): a sitting is never judged against a half-read standard.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ppskit.exam.standard_setting import CUTS_DIR, StandardSettingError, cuts_path, load_cuts


class CutFileError(ValueError):
    """A cut file exists but is not valid; the message says which file and why."""


@dataclass(frozen=True)
class FormCuts:
    """The cuts of one form for one profile's sections (empty: use the pass mark)."""

    form: str
    cuts: dict[str, float] = field(default_factory=dict)  # section -> cut as percent
    points: dict[str, int] = field(default_factory=dict)  # section -> points it is over
    warning: str = ""  # why a cut file was not used, in plain words

    def cut(self, section: str) -> float | None:
        """The cut for a section as a percentage, or None (the profile's pass mark)."""
        return self.cuts.get(section)


def cut_file_path(assessments: Path | str, form: str) -> Path:
    """Where the cut file of ``form`` lives."""
    return cuts_path(Path(assessments) / CUTS_DIR, form)


def form_cuts(
    assessments: Path | str,
    form: str,
    policy,  # noqa: ANN001  (ppskit.policies.Policy)
    points: dict[str, float] | None = None,
) -> FormCuts:
    """The cut of every section of ``policy`` on ``form``.

    ``points``: the points of each section in the sitting being judged; a section whose
    points differ from the study's means the file belongs to another version of the
    form, and it is not used. No file: no cuts. A bad file raises :class:`CutFileError`.
    """
    path = cut_file_path(assessments, form)
    if not path.is_file():
        return FormCuts(form)
    try:
        study = load_cuts(assessments, form)
    except StandardSettingError as exc:
        raise CutFileError(
            f"{exc}\nFix the file or run `ppskit exam standard-setting` again; "
            "nothing was judged against it."
        ) from None
    cuts: dict[str, float] = {}
    over: dict[str, int] = {}
    for section, domains in policy.section_domains.items():
        if section in study.sections:
            parts = [study.sections[section]]
        elif section == "total":
            parts = [study.total]
        elif all(d in study.sections for d in domains):
            parts = [study.sections[d] for d in domains]
        else:
            missing = [d for d in domains if d not in study.sections]
            return FormCuts(
                form,
                warning=(
                    f"{path.name} has no cut for {', '.join(missing)}, part of section "
                    f"'{policy.section_label(section)}' of profile {policy.id}; "
                    "the profile's pass mark was used instead"
                ),
            )
        total_points = sum(p.points for p in parts)
        cuts[section] = round(100.0 * sum(p.cut_points for p in parts) / total_points, 2)
        over[section] = total_points
    for section, got in (points or {}).items():
        if section in over and abs(over[section] - float(got)) > 1e-6:
            return FormCuts(
                form,
                warning=(
                    f"{path.name} was set for {over[section]} points in section "
                    f"'{policy.section_label(section)}', but this sitting has {got:g}; "
                    "the form changed after the standard-setting study, so the profile's "
                    "pass mark was used instead (run the study again for this form)"
                ),
            )
    return FormCuts(form, cuts, over)
