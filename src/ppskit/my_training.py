"""The trainee's "My training" page: modules, hours recorded and verified, facilitated
sessions and skill checks, exam status and the next step, in plain words.

:func:`my_training` gathers it (JSON-ready, so the hub's progress service can send it);
:func:`show` displays it in the ``modules/00-my-training.ipynb`` notebook for the
signed-in trainee (the same sign-in as every module). Every number is read from the
ledger and the status engine; every requirement and label from the trainee's profile.
"""

from __future__ import annotations

from datetime import date

#: Statuses a trainee reads, by the engine's stage id (the profile's label comes first).
_PLAIN_STAGE = {
    "ineligible": "Some requirements to start are not met yet",
    "in-training": "In training",
    "exam-eligible": "Ready for the certification exam",
    "certified": "Certified",
}


def _core_minimum(policy, on: date) -> tuple[str, float] | None:  # noqa: ANN001
    from ppskit.policies import HoursAtLeast

    for rule in policy.requirements.training:
        if isinstance(rule, HoursAtLeast) and rule.category == "core":
            return rule.label, float(rule.minimum.at(on))
    return None


def my_training(trainee_id: str, *, db: str | None = None, as_of: date | None = None) -> dict:
    """Everything the "My training" page shows for one registered trainee (``KeyError``
    for an unknown id). Dates are ISO strings, numbers plain floats."""
    from ppskit.curriculum import progress_rows
    from ppskit.ledger.api import hours_frame
    from ppskit.ledger.progress import trainee_card
    from ppskit.policies import load_policy
    from ppskit.sessions import available_guides, load_guide
    from ppskit.sessions.records import skill_check_rows
    from ppskit.status import compute_status

    as_of = as_of or date.today()
    card = trainee_card(trainee_id, db=db)
    if card is None:
        raise KeyError(trainee_id)
    policy = load_policy(card["profile"] or None)
    status = compute_status(as_of=as_of, trainee=trainee_id, db=db).iloc[0]
    modules = progress_rows(trainee_id, db=db)
    hours = hours_frame(trainee=trainee_id, db=db)
    mine = hours[~hours["voided"]]
    guides = {g: load_guide(g) for g in available_guides()}
    checks = skill_check_rows(trainee_id, db=db)
    sessions = []
    for gid, g in guides.items():
        rows = mine[(mine["source"] == "session") & mine["note"].str.startswith(f"session:{gid}")]
        passed = [c for c in checks if c["guide_id"] == gid and c["hours"] is not None]
        sessions.append(
            {
                "id": gid,
                "title": g.title,
                "category": g.kind,
                "topic": g.topic,
                "hours": g.hours,
                "attended": not rows.empty,
                "hours_recorded": float(rows["hours"].sum()),
                "skill_check": g.skill_check is not None,
                "skill_check_passed": any(c["passed"] for c in passed),
                "skill_check_tried": bool(passed),
            }
        )

    def total(category: str, verified: bool | None = None) -> float:
        sel = mine["category"] == category
        if verified is not None:
            sel &= mine["verified"] == verified
        return round(float(mine.loc[sel, "hours"].sum()), 2)

    minimum = _core_minimum(policy, as_of)
    stage = str(status["stage"])
    next_module = next((m for m in modules if m["category"] == "core" and not m["complete"]), None)
    return {
        "trainee_id": trainee_id,
        "name": card["name"],
        "profile": policy.name,
        "stage": stage,
        "stage_label": policy.stage_label(stage),
        "stage_plain": _PLAIN_STAGE.get(stage, policy.stage_label(stage)),
        "next_action": str(status["next_action"] or ""),
        "next_module": (
            {
                "id": next_module["id"],
                "title": next_module["title"],
                "done": next_module["done"],
                "total": next_module["total"],
            }
            if next_module
            else None
        ),
        "exam": str(status["exam"] or ""),
        "certified_on": str(status["certified_on"] or ""),
        "expires_on": str(status["expires_on"] or ""),
        "core": {
            "verified": total("core", True),
            "waiting": total("core", False),
            "needed": minimum[1] if minimum else None,
            "label": minimum[0] if minimum else "",
        },
        "ce": {"verified": total("ce", True), "waiting": total("ce", False)},
        "modules": [
            {
                k: m[k]
                for k in (
                    "id",
                    "title",
                    "category",
                    "hours",
                    "done",
                    "total",
                    "complete",
                    "hours_entry",
                    "verified",
                )
            }
            for m in modules
        ],
        "sessions": sessions,
    }


def show(*, trainee: str | None = None, db: str | None = None, backend=None):  # noqa: ANN001, ANN201
    """The "My training" page for the signed-in trainee (or the sign-in box)."""
    from ppskit.exercises.training_view import MyTrainingView

    return MyTrainingView(trainee=trainee, db=db, backend=backend)
