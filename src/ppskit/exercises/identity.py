"""Who is working in a module notebook, decided once and shown on every module.

In order: an id the notebook was opened with (tests, a trainer's preview),
``$PPSKIT_TRAINEE``, the JupyterHub user (``$JUPYTERHUB_USER``: on a hub the trainee is
the hub account, linked to a tracker id by the progress service; nothing to type), then
the sign-in remembered on this computer. Every candidate is checked against the
registry at once: an unknown id is refused, never saved under.

The remembered sign-in is a small file in the person's home folder (readable by them
only), so one sign-in serves every module until they change it.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ppskit.exercises.storage import check_trainee_id

#: Environment variable that moves the remembered sign-in (tests use a temporary folder).
HOME_ENV = "PPSKIT_HOME"
#: Environment variables naming the trainee, with how the notebook knows them.
SOURCES = (("PPSKIT_TRAINEE", "set for this computer"), ("JUPYTERHUB_USER", "hub"))
#: What the sign-in box shows before anything is typed: words, never an id's shape.
PLACEHOLDER = "the ID from your welcome letter"


@dataclass(frozen=True)
class Identity:
    """The signed-in trainee: id, registered name (None if the registry could not be
    reached) and how the notebook knows them (``given``, ``set for this computer``,
    ``hub``, ``remembered``, ``signed in``)."""

    trainee_id: str
    name: str | None
    how: str

    @property
    def changeable(self) -> bool:
        """Only a sign-in typed on this computer can be changed here; a hub account or
        an id set by the trainer cannot."""
        return self.how in ("remembered", "signed in")

    def label(self) -> str:
        """ "Maria Lopez (T-0042)", or the id alone when the name is not known."""
        return f"{self.name} ({self.trainee_id})" if self.name else self.trainee_id


def home() -> Path:
    """Folder of the remembered sign-in."""
    override = os.environ.get(HOME_ENV)
    return Path(override) if override else Path.home() / ".ppskit"


def remembered_file() -> Path:
    """The file holding the remembered sign-in."""
    return home() / "signed-in.json"


def remembered_id() -> str | None:
    """The trainee id remembered on this computer, if any."""
    try:
        data = json.loads(remembered_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = data.get("trainee_id") if isinstance(data, dict) else None
    return value if isinstance(value, str) and value.strip() else None


def remember(trainee_id: str) -> None:
    """Remember this sign-in for every module (written atomically, owner-only)."""
    folder = home()
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".signed-in-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"trainee_id": trainee_id}, handle)
        os.chmod(tmp, 0o600)
        os.replace(tmp, remembered_file())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def forget() -> None:
    """Forget the remembered sign-in (``Change`` on the module header)."""
    remembered_file().unlink(missing_ok=True)


def candidates(explicit: str | None = None) -> list[tuple[str, str]]:
    """``(trainee id, how)`` in the order they are tried."""
    out = []
    if explicit is not None:
        out.append((explicit, "given"))
    for env, how in SOURCES:
        value = os.environ.get(env, "").strip()
        if value:
            out.append((value, how))
    saved = remembered_id()
    if saved:
        out.append((saved, "remembered"))
    return out


def unknown_id_message(trainee_id: str) -> str:
    """What a trainee reads when an id is not registered."""
    return (
        f"We could not find the trainee ID {trainee_id}. Check it against your welcome "
        "letter (letters, numbers and dashes exactly as written), or ask your trainer to "
        "register you."
    )


def checked_id(value: str) -> str:
    """The typed id, trimmed, or ``ValueError`` in plain words (the placeholder text
    and anything not shaped like an id are refused before the registry is asked)."""
    if (value or "").strip().lower() == PLACEHOLDER.lower():
        raise ValueError("Please type your own trainee ID from your welcome letter.")
    return check_trainee_id(value)


def resolve(who, explicit: str | None = None) -> tuple[Identity | None, str]:  # noqa: ANN001
    """The first candidate the registry knows, and a notice for the trainee.

    ``who(trainee_id)`` is the backend's registry look-up (a card dict or None); it may
    raise ``LookupError`` when the registry cannot be reached: an id set on purpose
    (``given``, ``$PPSKIT_TRAINEE``) is then trusted without a name, others are skipped.
    A remembered id the registry no longer knows is forgotten."""
    notice = ""
    for candidate, how in candidates(explicit):
        try:
            trainee_id = checked_id(candidate)
        except ValueError:
            notice = f"The trainee ID {candidate!r} cannot be used here. Please sign in."
            continue
        try:
            card = who(trainee_id)
        except LookupError as exc:
            if str(exc):
                notice = str(exc)
            if how in ("given", "set for this computer"):
                return Identity(trainee_id, None, how), notice
            continue
        if card is None:
            notice = unknown_id_message(trainee_id)
            if how == "remembered":
                forget()
            continue
        return Identity(card["trainee_id"], card.get("name"), how), ""
    return None, notice
