"""Local, private storage of journal entries and story drafts.

Reflections and story drafts stay on the trainee's own computer, under
``gradebook/journal/<trainee>/<module>.json`` in the course folder (git-ignored). They
are never sent anywhere and never graded.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from datetime import datetime
from pathlib import Path

#: Environment variable that moves the journal folder (tests use a temporary folder).
JOURNAL_ENV = "PPSKIT_JOURNAL_DIR"

# The same shape the ledger accepts for a trainee id.
_TRAINEE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def course_root(start: Path | None = None) -> Path | None:
    """The folder holding ``nbgrader_config.py``, walking up from ``start`` (default: cwd)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "nbgrader_config.py").is_file():
            return folder
    return None


def journal_root() -> Path:
    """Folder under which each trainee's journal files are kept."""
    override = os.environ.get(JOURNAL_ENV)
    if override:
        return Path(override)
    root = course_root()
    if root is not None:
        return root / "gradebook" / "journal"
    # Outside the course folder: keep it in the person's home folder, still local.
    return Path.home() / ".ppskit" / "journal"


def check_trainee_id(value: str) -> str:
    """Return the trimmed trainee id, or raise ``ValueError`` with a plain explanation."""
    value = (value or "").strip()
    if not value:
        raise ValueError("Please type your trainee ID first. Your trainer gave it to you.")
    if not _TRAINEE_ID.fullmatch(value):
        raise ValueError(
            "A trainee ID uses only letters, numbers, dots, dashes and underscores, "
            "with no spaces. Please check it and try again."
        )
    return value


def journal_file(trainee_id: str, module_id: str) -> Path:
    """Path of one trainee's journal file for one module."""
    return journal_root() / check_trainee_id(trainee_id) / f"{module_id}.json"


def load_entries(trainee_id: str, module_id: str) -> dict[str, dict]:
    """Saved entries of one module, by exercise id (empty when nothing is saved)."""
    path = journal_file(trainee_id, module_id)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    entries = data.get("exercises", {})
    return entries if isinstance(entries, dict) else {}


def save_entry(trainee_id: str, module_id: str, exercise_id: str, entry: dict) -> Path:
    """Save one exercise's entry (replacing the previous one) and return the file path."""
    path = journal_file(trainee_id, module_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    entries = load_entries(trainee_id, module_id)
    entries[exercise_id] = {**entry, "saved_at": datetime.now().isoformat(timespec="seconds")}
    payload = {"module": module_id, "trainee": trainee_id, "exercises": entries}
    # Write to a temporary file and rename, so a crash never leaves half a journal.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".journal-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, ensure_ascii=False, indent=2)
        # Reflections are private: readable by their owner only.
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
