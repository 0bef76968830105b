"""Certificate events: issue, renew, suspend, reinstate, revoke, transfer, replace, and
the undoing of a renewal that failed its CE audit (``renewal-denied`` /
``renewal-withdrawn``).

Each action is a new ``cert_events`` row; the rule checks use the status engine on the
ledger as of the action's date, inside the same write transaction.
"""

from __future__ import annotations

import secrets
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection, insert, select

from ppskit.dates import fmt
from ppskit.db import read_connection, write_transaction
from ppskit.imports import ImportRejected, RowError
from ppskit.ledger.tables import cert_events
from ppskit.policies import load_policy
from ppskit.rules.certificates import (
    RENEWAL_UNDONE,
    expiry_after_renewal,
    expiry_of_new_certificate,
    renewal_opens,
)
from ppskit.status import compute_from_inputs, load_inputs

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I look-alikes


class CertificateRefused(ImportRejected):
    """The action breaks a rule of the profile; nothing was written."""


@dataclass
class CertOutcome:
    """What an accepted action wrote."""

    trainee_id: str
    kind: str
    on: date
    expires_on: date | None
    code: str | None
    message: str


def new_verification_code() -> str:
    """A random code like ``PPSS-7KQ2-M9XD`` printed on the certificate."""
    chars = [secrets.choice(_CODE_ALPHABET) for _ in range(8)]
    return "PPSS-" + "".join(chars[:4]) + "-" + "".join(chars[4:])


def _refuse(action: str, message: str) -> CertificateRefused:
    return CertificateRefused(action, [RowError(0, "", message)])


def _check_renewal_window(action: str, on: date, row, policy) -> None:  # noqa: ANN001
    """A renewal is accepted only on or after ``expires_on - due_window_days`` and before
    ``expires_on``; anywhere else it is refused with the dates of the window."""
    stage = row["stage"]
    if stage == "renewal-due":
        return
    if stage in ("certified", "inactive"):
        expires = date.fromisoformat(row["expires_on"])
        opens = renewal_opens(policy, expires)
        if opens <= on < expires:
            return  # an inactive certificate is renewed like any other
        raise _refuse(
            action,
            f"cannot renew on {on}: the renewal window opens on {opens} "
            f"({(expires - opens).days} days before the certificate expires on "
            f"{expires}) and closes at the end of {expires - timedelta(days=1)}",
        )
    if stage == "expired":
        raise _refuse(
            action,
            f"cannot renew on {on}: the certificate expired on {row['expires_on']}, and a "
            "renewal is only accepted before the expiry date",
        )
    raise _refuse(action, f"cannot renew on {on}: stage is '{stage}'. {row['next_action']}")


def _act(
    trainee_id: str,
    kind: str,
    on: date,
    *,
    by: str,
    reason: str = "",
    db: str | None = None,
    today: date | None = None,
    conn: Connection | None = None,
) -> CertOutcome:
    today = today or date.today()
    action = f"{kind} {trainee_id}"
    if on > today:
        raise _refuse(action, f"{on} is in the future; record events once they happen")
    undo = kind in RENEWAL_UNDONE
    if (
        undo or kind in ("suspended", "reinstated", "revoked", "transferred", "replaced")
    ) and not reason.strip():
        raise _refuse(action, "a reason is required (--reason TEXT)")
    # Inside a caller's transaction (a complaint's findings) the event and the caller's
    # own row commit together or not at all.
    with nullcontext(conn) if conn is not None else write_transaction(db) as conn:
        inputs = load_inputs(conn, on, trainee_id)
        if inputs["trainees"].empty:
            raise _refuse(action, f"unknown trainee '{trainee_id}'")
        last = conn.execute(
            select(cert_events.c.on_date)
            .where(cert_events.c.trainee_id == trainee_id)
            .order_by(cert_events.c.on_date.desc())
            .limit(1)
        ).scalar()
        if last and on < last:
            raise _refuse(action, f"{on} is before the trainee's last certificate event ({last})")
        row = compute_from_inputs(inputs, on).iloc[0]
        stage = row["stage"]
        policy = load_policy(inputs["trainees"]["profile"].iloc[0] or None)
        expires_on = code = None
        if kind == "issued":
            if stage != "certifiable":
                raise _refuse(
                    action, f"cannot certify on {on}: stage is '{stage}'. {row['next_action']}"
                )
            expires_on = expiry_of_new_certificate(policy, on)
            code = new_verification_code()
            msg = f"Certificate issued on {on}, valid until {expires_on}. Verification code {code}."
        elif kind == "renewed":
            _check_renewal_window(action, on, row, policy)
            if not row["renewal_ready"]:
                ce, need = float(row["ce_hours"]), float(row["ce_required"])
                raise _refuse(
                    action,
                    f"cannot renew on {on}: {ce:g} of {need:g} verified CE hours dated in "
                    f"the current certificate period (from {row['period_start']}). "
                    f"{row['next_action']}",
                )
            old = date.fromisoformat(row["expires_on"])
            expires_on = expiry_after_renewal(policy, old)
            code = new_verification_code()
            msg = f"Certificate renewed on {on}; new expiry {expires_on}. Verification code {code}."
        elif kind == "suspended":
            if stage not in ("certified", "renewal-due", "inactive"):
                raise _refuse(
                    action, f"only a current certificate can be suspended (stage is '{stage}')"
                )
            msg = f"Certificate suspended on {on}."
        elif kind == "reinstated":
            if stage != "suspended":
                raise _refuse(
                    action, f"only a suspended certificate can be reinstated (stage is '{stage}')"
                )
            msg = f"Certificate reinstated on {on}."
        elif kind == "revoked":
            if stage not in ("certified", "renewal-due", "inactive", "suspended", "expired"):
                raise _refuse(action, f"there is no certificate to revoke (stage is '{stage}')")
            msg = f"Certificate revoked on {on}."
        elif kind == "replaced":
            if stage not in ("certified", "renewal-due"):
                raise _refuse(
                    action,
                    f"only a certificate in force can be replaced (stage is '{stage}'). "
                    f"{row['next_action']}",
                )
            # Same certificate, new paper: the expiry stays, only the code changes.
            expires_on = date.fromisoformat(row["expires_on"])
            code = new_verification_code()
            msg = (
                f"Replacement certificate issued on {on}, valid until {expires_on}. "
                f"New verification code {code}; the old code now answers REPLACED. "
                f"Print it with: ppskit certificate {trainee_id}"
            )
        elif kind == "transferred":
            if stage not in ("certified", "renewal-due", "inactive"):
                raise _refuse(
                    action, f"only a current certificate can be transferred (stage is '{stage}')"
                )
            msg = f"Certificate transfer recorded on {on}: {reason}."
        elif undo:
            what = "denied" if kind == "renewal-denied" else "withdrawn"
            msg = f"Renewal {what} on {on} ({reason.strip()})."
        else:  # pragma: no cover - guarded by callers
            raise ValueError(kind)
        conn.execute(
            insert(cert_events).values(
                trainee_id=trainee_id,
                kind=kind,
                on_date=on,
                expires_on=expires_on,
                code=code,
                reason=reason.strip(),
                recorded_by=by,
                recorded_at=datetime.now(UTC),
            )
        )
    return CertOutcome(trainee_id, kind, on, expires_on, code, msg)


def certify(
    trainee_id: str, *, on: date, by: str, db: str | None = None, today: date | None = None
) -> CertOutcome:
    """Issue a certificate (eligible, exam passed, training complete unless grandfathered)."""
    return _act(trainee_id, "issued", on, by=by, db=db, today=today)


def renew(
    trainee_id: str, *, on: date, by: str, db: str | None = None, today: date | None = None
) -> CertOutcome:
    """Renew before expiry with enough verified CE hours in the current cycle."""
    return _act(trainee_id, "renewed", on, by=by, db=db, today=today)


def discipline(
    trainee_id: str,
    kind: str,
    *,
    on: date,
    reason: str,
    by: str,
    db: str | None = None,
    today: date | None = None,
    conn: Connection | None = None,
) -> CertOutcome:
    """Suspend, reinstate, revoke or record a transfer (``kind`` is the event name).

    With ``conn``, the event is written in that open transaction (the caller commits)."""
    return _act(trainee_id, kind, on, by=by, reason=reason, db=db, today=today, conn=conn)


def replace_certificate(
    trainee_id: str,
    *,
    on: date,
    reason: str,
    by: str,
    db: str | None = None,
    today: date | None = None,
) -> CertOutcome:
    """Issue a replacement of the certificate in force (lost, damaged, name changed): a
    ``replaced`` event with a new verification code and the same expiry. The old code
    then answers REPLACED in ``ppskit verify``; the reason stays in the ledger."""
    return _act(trainee_id, "replaced", on, by=by, reason=reason, db=db, today=today)


def undo_renewal(
    trainee_id: str,
    renewal_event_id: int,
    kind: str,
    *,
    on: date,
    reason: str,
    by: str,
    db: str | None = None,
    today: date | None = None,
    conn: Connection | None = None,
) -> CertOutcome:
    """Deny or withdraw a recorded renewal (``kind`` ``renewal-denied`` or
    ``renewal-withdrawn``), e.g. after a failed CE audit.

    Only the trainee's latest renewal, not undone yet, can be undone: the fold restores
    the period before the latest renewal. With ``conn`` the event joins that transaction.
    """
    if kind not in RENEWAL_UNDONE:  # pragma: no cover - guarded by callers
        raise ValueError(kind)
    action = f"{kind} {trainee_id}"
    with nullcontext(conn) if conn is not None else write_transaction(db) as c:
        later = c.execute(
            select(cert_events.c.event_id, cert_events.c.kind)
            .where(cert_events.c.trainee_id == trainee_id)
            .where(cert_events.c.kind.in_(("issued", "renewed", *RENEWAL_UNDONE)))
            .order_by(cert_events.c.on_date.desc(), cert_events.c.event_id.desc())
            .limit(1)
        ).first()
        if later is None or later.event_id != renewal_event_id:
            raise _refuse(
                action,
                f"renewal event {renewal_event_id} is not {trainee_id}'s latest renewal in "
                "force (a later issue, renewal or undoing is recorded), so it cannot be "
                "undone; if the certificate must end, use ppskit suspend or ppskit revoke",
            )
        return _act(trainee_id, kind, on, by=by, reason=reason, db=db, today=today, conn=c)


def lookup_code(code: str, *, db: str | None = None) -> dict | None:
    """The certificate event that printed ``code`` and its holder, or None."""
    from ppskit.ledger.tables import trainees

    with read_connection(db) as conn:
        row = conn.execute(
            select(cert_events, trainees.c.name)
            .join(trainees, trainees.c.trainee_id == cert_events.c.trainee_id)
            .where(cert_events.c.code == code.strip().upper())
        ).first()
    if row is None:
        return None
    return {
        "trainee_id": row.trainee_id,
        "name": row.name,
        "kind": row.kind,
        "on": fmt(row.on_date),
        "expires_on": fmt(row.expires_on),
    }
