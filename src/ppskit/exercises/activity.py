"""Active time in a module: measured in the page, kept on the trainee's own computer,
and written with the module's hours so the trainer who verifies them sees it.

A minute counts while the page is in view and the trainee pressed a key, clicked,
scrolled or moved the pointer within the idle limit of the hours rule
(``framework/hours-rule.yaml``, ``active_time.idle_minutes``). The measure never
credits hours (the hours rule does); it is evidence beside them.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from ppskit.exercises import identity

#: Seconds between two counts in the page.
TICK_SECONDS = 30

_ESM = """
export default {
  render({ model, el }) {
    let last = Date.now();
    const idleMs = model.get("idle_seconds") * 1000;
    const seen = () => { last = Date.now(); };
    const kinds = ["keydown", "pointerdown", "pointermove", "wheel", "scroll", "touchstart"];
    for (const k of kinds) document.addEventListener(k, seen, { passive: true, capture: true });
    const tick = model.get("tick_seconds");
    const timer = setInterval(() => {
      if (document.visibilityState === "visible" && Date.now() - last < idleMs) {
        model.set("active_seconds", model.get("active_seconds") + tick);
        model.save_changes();
      }
    }, tick * 1000);
    el.setAttribute("aria-hidden", "true");
    el.style.display = "none";
    return () => {
      clearInterval(timer);
      for (const k of kinds) document.removeEventListener(k, seen, { capture: true });
    };
  },
};
"""


def activity_file(trainee_id: str, module_id: str) -> Path:
    """Where the active seconds of one trainee's module are kept."""
    return identity.home() / "activity" / trainee_id / f"{module_id}.json"


def saved_seconds(trainee_id: str, module_id: str) -> float:
    """Active seconds measured so far (0 when none)."""
    try:
        data = json.loads(activity_file(trainee_id, module_id).read_text(encoding="utf-8"))
        return max(0.0, float(data.get("active_seconds", 0)))
    except (OSError, ValueError, TypeError, AttributeError):
        return 0.0


def save_seconds(trainee_id: str, module_id: str, seconds: float) -> None:
    """Keep the active seconds (atomically, owner-only)."""
    path = activity_file(trainee_id, module_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".activity-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"module": module_id, "active_seconds": seconds}, handle)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class ActivityTracker:
    """Seconds of active time of one module, before and after sign-in.

    Seconds measured before anyone signs in are kept in memory and added to the trainee
    who then signs in (the same person in front of the page)."""

    def __init__(self, module_id: str):
        self.module_id = module_id
        self.trainee_id: str | None = None
        self.unsaved = 0.0
        self.widget = _clock_widget()
        if self.widget is not None:
            self.widget.observe(self._ticked, names="active_seconds")
        self._last = 0.0

    def _ticked(self, change) -> None:  # noqa: ANN001
        new = float(change["new"])
        self.add(new - self._last)
        self._last = new

    def add(self, seconds: float) -> None:
        """Count ``seconds`` more of active time."""
        if seconds <= 0:
            return
        if self.trainee_id is None:
            self.unsaved += seconds
            return
        try:
            save_seconds(
                self.trainee_id,
                self.module_id,
                saved_seconds(self.trainee_id, self.module_id) + seconds,
            )
        except OSError:
            self.unsaved += seconds

    def signed_in(self, trainee_id: str | None) -> None:
        """From now on count for ``trainee_id`` (what was counted before goes with it)."""
        self.trainee_id = trainee_id
        pending, self.unsaved = self.unsaved, 0.0
        self.add(pending)

    @property
    def minutes(self) -> float:
        """Active minutes measured for the signed-in trainee (this page included)."""
        if self.trainee_id is None:
            return self.unsaved / 60
        return (saved_seconds(self.trainee_id, self.module_id) + self.unsaved) / 60


def _clock_widget():  # noqa: ANN202
    """The invisible page clock (None where anywidget is missing)."""
    try:
        import anywidget
        import traitlets
    except ImportError:  # pragma: no cover - anywidget is a dependency
        return None
    from ppskit.hours_rule import load_rule

    class ActivityClock(anywidget.AnyWidget):
        _esm = _ESM
        active_seconds = traitlets.Float(0).tag(sync=True)
        idle_seconds = traitlets.Float(300).tag(sync=True)
        tick_seconds = traitlets.Float(TICK_SECONDS).tag(sync=True)

    idle = load_rule().active_time.idle_minutes.value * 60
    return ActivityClock(idle_seconds=idle)
