"""What a reviewer of a profile needs: every value marked unverified, with its source."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from ppskit.policies import Param, Policy


@dataclass(frozen=True)
class Unverified:
    """One value of a profile that its sources did not confirm."""

    where: str  # dotted path in the profile, e.g. "exam_rules.pass_pct"
    value: str
    reference: str


def unverified_values(policy: Policy) -> list[Unverified]:
    """Every value or rule of ``policy`` marked ``unverified``, in file order."""
    found: list[Unverified] = []

    def walk(node: object, path: str) -> None:
        if isinstance(node, Param):
            if node.unverified:
                found.append(Unverified(path, _show(node.at()), node.reference))
            return
        if isinstance(node, BaseModel):
            if getattr(node, "unverified", False) and not isinstance(node, Param):
                label = getattr(node, "label", "") or getattr(node, "kind", "")
                found.append(Unverified(path, str(label), getattr(node, "reference", "")))
            for name in type(node).model_fields:
                walk(getattr(node, name), f"{path}.{name}" if path else name)
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}")
        elif isinstance(node, list | tuple):
            for i, value in enumerate(node):
                walk(value, f"{path}[{i}]")

    walk(policy, "")
    return found


def _show(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)
