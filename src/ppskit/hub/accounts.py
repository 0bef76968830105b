"""Which trainee a JupyterHub account is: ``ppskit hub link`` and the lookup the
progress service makes on every request.

On a hub the trainee signs in and types nothing more: the hub user name is the identity.
Usually the trainer registers trainees under their hub user names, and nothing else is
needed. When the names differ (a trainee id such as ``MS-2026-014`` and a hub account
``jdoe``) the trainer links them once; the link is a ledger row, append-only like every
other, and the latest row for an account is the one in force.

Account names are compared in lower case, as JupyterHub writes its user names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, insert, select

from ppskit.db import read_connection, write_transaction
from ppskit.ledger.lookup import registered_spelling, unknown_trainee_message
from ppskit.ledger.tables import hub_accounts, trainees

# JupyterHub user names are free text in principle; the ones ppskit accepts are those a
# Unix account or a Kubernetes pod name can carry, so no spaces and nothing odd.
_ACCOUNT = re.compile(r"[a-z0-9][a-z0-9_.@+-]{0,99}")


@dataclass(frozen=True)
class Link:
    """One hub account and the trainee it stands for."""

    account: str
    trainee_id: str
    recorded_by: str
    recorded_at: datetime


def account_name(value: str) -> str:
    """The account name as stored (trimmed, lower case), or ``ValueError`` in words."""
    name = (value or "").strip().lower()
    if not _ACCOUNT.fullmatch(name):
        raise ValueError(
            f"'{value}' is not a hub account name: use the user name the person signs in "
            "to JupyterHub with (letters, digits, . _ - @ +, no spaces)."
        )
    return name


def _latest_rows(conn):  # noqa: ANN001, ANN202
    # The link in force per account: its newest row (the highest id, as rows only append).
    newest = (
        select(func.max(hub_accounts.c.account_id).label("account_id"))
        .group_by(hub_accounts.c.account)
        .subquery()
    )
    return conn.execute(
        select(hub_accounts)
        .join(newest, newest.c.account_id == hub_accounts.c.account_id)
        .order_by(hub_accounts.c.account)
    ).all()


def current_links(*, db: str | None = None) -> list[Link]:
    """Every recorded link in force, by account name."""
    with read_connection(db) as conn:
        rows = _latest_rows(conn)
    return [Link(r.account, r.trainee_id, r.recorded_by, r.recorded_at) for r in rows]


def trainee_for_account(account: str, *, db: str | None = None) -> str | None:
    """The trainee id this hub account is, or None when it is not linked.

    A recorded link wins. Without one, an account named like a registered trainee id
    (ignoring case) is that trainee, unless that trainee is already linked to another
    account: otherwise a second hub user who happened to pick the trainee's id as a user
    name would see the first one's progress.
    """
    try:
        name = account_name(account)
    except ValueError:
        return None
    with read_connection(db) as conn:
        linked = conn.execute(
            select(hub_accounts.c.trainee_id)
            .where(hub_accounts.c.account == name)
            .order_by(hub_accounts.c.account_id.desc())
            .limit(1)
        ).scalar()
        if linked is not None:
            return linked
        trainee = conn.execute(
            select(trainees.c.trainee_id).where(func.lower(trainees.c.trainee_id) == name)
        ).scalar()
        if trainee is None:
            return None
        taken = any(r.trainee_id == trainee and r.account != name for r in _latest_rows(conn))
    return None if taken else trainee


def link_account(account: str, trainee_id: str, *, by: str, db: str | None = None) -> str:
    """Record that hub ``account`` is ``trainee_id``; returns a sentence saying what was done.

    ``ValueError`` with a plain sentence for an unusable account name, an unknown
    trainee, or an empty ``by``. Linking an account to the trainee it already stands for
    records nothing.
    """
    name = account_name(account)
    by = (by or "").strip()
    if not by:
        raise ValueError("Say who records the link with --by NAME.")
    trainee_id = (trainee_id or "").strip()
    registered = registered_spelling(trainee_id, db=db)
    if registered != trainee_id:
        # Trainee ids are matched exactly; the message names the registered spelling.
        said = unknown_trainee_message(trainee_id, db=db)
        raise ValueError(said[0].upper() + said[1:] + ("" if said.endswith(")") else "."))
    if trainee_for_account(name, db=db) == registered:
        return f"The hub account '{name}' is already {registered}; nothing recorded."
    with write_transaction(db) as conn:
        conn.execute(
            insert(hub_accounts).values(
                account=name,
                trainee_id=registered,
                recorded_by=by,
                recorded_at=datetime.now(UTC),
            )
        )
    return f"The hub account '{name}' is now trainee {registered}."
