"""Fees as a ledger of charges and payments, priced by the profile's dated schedule.

A charge (:func:`charge_fee`) is one of the profile's fee kinds (``fees:`` in the
profile; see :data:`ppskit.policies.FEE_KINDS`) and costs the schedule's amount in force
on the day charged (a dated ``Param``: a fee change applies to charges from its date).
Nobody types the amount; an override (a waiver, a hardship reduction) is allowed only
with its reason, and the schedule's amount is kept beside it. A payment
(:func:`record_payment`) is an amount received, how, and its receipt reference. The
balance is charges minus payments; nothing is ever changed (a mistake is corrected by a
new row, e.g. an override charge of 0 with the reason).

Amounts are stored in cents, so sums are exact on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import insert, select

from ppskit.dates import fmt
from ppskit.db import read_connection, write_transaction
from ppskit.imports import ImportRejected, RowError
from ppskit.ledger.tables import fee_charges, fee_payments, trainees
from ppskit.policies import Policy, load_policy

#: The pinned columns of ``ppskit fees balance`` (every trainee with an entry).
BALANCE_COLUMNS = ("trainee_id", "currency", "charged", "paid", "balance")
#: The pinned columns of ``ppskit fees balance TRAINEE`` (one trainee's statement).
STATEMENT_COLUMNS = ("date", "entry", "detail", "amount", "balance")


class FeeRefused(ImportRejected):
    """The charge or payment breaks a rule; nothing was written."""

    def report(self) -> str:
        """The refusal as one plain sentence (one input, not a file of rows)."""
        return "; ".join(e.message.rstrip(".") for e in self.errors) + ". Nothing was written."


def _no(source: str, message: str) -> FeeRefused:
    return FeeRefused(source, [RowError(0, "", message)])


# ----------------------------------------------------------------------------- money


def to_cents(amount: object, source: str, what: str = "the amount") -> int:
    """``amount`` (a number or text like ``"80"``, ``"12.50"``) in whole cents, or a
    refusal for text that is not an amount of money."""
    try:
        value = Decimal(str(amount).strip().lstrip("$"))
    except InvalidOperation:
        raise _no(
            source, f"{what} '{amount}' is not an amount; write it like 80 or 12.50"
        ) from None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        raise _no(source, f"{what} '{amount}' is not an amount in cents; write it like 12.50")
    return int(value * 100)


def money(cents: int) -> str:
    """Cents as an amount with two decimals: ``8000`` -> ``80.00``, ``-1250`` -> ``-12.50``."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


# --------------------------------------------------------------------------- schedule


def scheduled_cents(policy: Policy, kind: str, on: date) -> int:
    """The schedule's amount for ``kind`` in force on ``on``, in cents; ``KeyError`` with a
    plain sentence when the profile's schedule has no such fee."""
    fee = policy.fees.get(kind)
    if fee is None:
        have = ", ".join(policy.fees) or "none"
        raise KeyError(
            f"the profile '{policy.id}' has no '{kind}' fee in its schedule (it lists: {have})"
        )
    return to_cents(fee.amount.at(on), f"fee {kind}")


# ----------------------------------------------------------------------------- writing


@dataclass
class FeeOutcome:
    """What an accepted charge or payment wrote, and the sentence to show."""

    entry_id: int
    amount_cents: int
    balance_cents: int
    message: str


def _balance(conn, trainee_id: str) -> int:  # noqa: ANN001
    charged = conn.execute(
        select(fee_charges.c.amount_cents).where(fee_charges.c.trainee_id == trainee_id)
    ).scalars()
    paid = conn.execute(
        select(fee_payments.c.amount_cents).where(fee_payments.c.trainee_id == trainee_id)
    ).scalars()
    return sum(charged) - sum(paid)


def _policy_of(conn, trainee_id: str, source: str, db: str | None) -> Policy:  # noqa: ANN001
    found = conn.execute(
        select(trainees.c.profile).where(trainees.c.trainee_id == trainee_id)
    ).first()
    if found is None:
        from ppskit.ledger.lookup import unknown_trainee_message

        raise _no(source, unknown_trainee_message(trainee_id, db=db))
    return load_policy(found.profile or None)


def _owes(balance: int, currency: str) -> str:
    if balance > 0:
        return f"{currency} {money(balance)} owed"
    if balance < 0:
        return f"{currency} {money(-balance)} in credit"
    return "nothing owed"


def charge_fee(
    trainee_id: str,
    kind: str,
    *,
    on: date | None = None,
    amount: object | None = None,
    reason: str = "",
    by: str,
    db: str | None = None,
    today: date | None = None,
) -> FeeOutcome:
    """Charge ``trainee_id`` the fee ``kind`` at the schedule's amount in force on ``on``
    (default today). ``amount`` overrides it only with a ``reason``."""
    today = today or date.today()
    on = on or today
    source = f"{kind} fee for {trainee_id}"
    if on > today:
        raise _no(source, f"{on} is in the future; charge a fee on or before today")
    if amount is not None and not reason.strip():
        raise _no(
            source,
            "an amount other than the schedule's needs the reason (--reason TEXT); without "
            "--amount the schedule's amount is charged",
        )
    with write_transaction(db) as conn:
        policy = _policy_of(conn, trainee_id, source, db)
        try:
            schedule = scheduled_cents(policy, kind, on)
        except KeyError as exc:
            raise _no(source, f"{exc.args[0]}; charge one of those") from None
        cents = schedule if amount is None else to_cents(amount, source, "--amount")
        if cents < 0:
            raise _no(source, "a charge cannot be negative; record a payment or a 0 charge")
        charge_id = conn.execute(
            insert(fee_charges).values(
                trainee_id=trainee_id,
                kind=kind,
                charged_on=on,
                amount_cents=cents,
                schedule_cents=schedule,
                currency=policy.currency,
                override_reason=reason.strip() if amount is not None else "",
                recorded_by=by,
                recorded_at=datetime.now(UTC),
            )
        ).inserted_primary_key[0]
        balance = _balance(conn, trainee_id)
    label = policy.fees[kind].label
    note = (
        f" (the schedule says {money(schedule)}; overridden: {reason.strip()})"
        if cents != schedule
        else ""
    )
    return FeeOutcome(
        charge_id,
        cents,
        balance,
        f"Charged {trainee_id} {policy.currency} {money(cents)} for {label} on {on}{note}. "
        f"Balance: {_owes(balance, policy.currency)}.",
    )


def record_payment(
    trainee_id: str,
    amount: object,
    *,
    method: str,
    reference: str = "",
    on: date | None = None,
    by: str,
    db: str | None = None,
    today: date | None = None,
) -> FeeOutcome:
    """Record a payment of ``amount`` received from ``trainee_id`` on ``on`` (default
    today), how it was paid and its receipt reference."""
    today = today or date.today()
    on = on or today
    source = f"payment from {trainee_id}"
    method = method.strip()
    if not method:
        raise _no(source, "say how it was paid (--method, e.g. card, check, cash)")
    if len(method) > fee_payments.c.method.type.length:
        raise _no(source, f"--method is longer than {fee_payments.c.method.type.length} characters")
    if on > today:
        raise _no(source, f"{on} is in the future; record a payment once received")
    cents = to_cents(amount, source)
    if cents <= 0:
        raise _no(source, "a payment is more than 0; a refund or waiver is a charge override")
    with write_transaction(db) as conn:
        policy = _policy_of(conn, trainee_id, source, db)
        payment_id = conn.execute(
            insert(fee_payments).values(
                trainee_id=trainee_id,
                paid_on=on,
                amount_cents=cents,
                currency=policy.currency,
                method=method,
                reference=reference.strip(),
                recorded_by=by,
                recorded_at=datetime.now(UTC),
            )
        ).inserted_primary_key[0]
        balance = _balance(conn, trainee_id)
    return FeeOutcome(
        payment_id,
        cents,
        balance,
        f"Payment of {policy.currency} {money(cents)} from {trainee_id} recorded on {on} "
        f"({method}). Balance: {_owes(balance, policy.currency)}.",
    )


# ----------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class BalanceLine:
    """One trainee's charges, payments and balance (the pinned balance columns)."""

    trainee_id: str
    currency: str
    charged_cents: int
    paid_cents: int

    @property
    def balance_cents(self) -> int:
        """Charges minus payments (negative: in credit)."""
        return self.charged_cents - self.paid_cents

    def row(self) -> dict[str, object]:
        """The pinned columns, amounts with two decimals."""
        return {
            "trainee_id": self.trainee_id,
            "currency": self.currency,
            "charged": money(self.charged_cents),
            "paid": money(self.paid_cents),
            "balance": money(self.balance_cents),
        }


@dataclass(frozen=True)
class StatementLine:
    """One charge or payment of a trainee with the running balance after it."""

    on: date
    entry: str  # "charge" or "payment"
    detail: str
    amount_cents: int
    balance_cents: int

    def row(self) -> dict[str, object]:
        """The pinned statement columns (a payment's amount is negative)."""
        return {
            "date": fmt(self.on),
            "entry": self.entry,
            "detail": self.detail,
            "amount": money(self.amount_cents),
            "balance": money(self.balance_cents),
        }


def _entries(db: str | None, as_of: date, trainee: str | None) -> tuple[list, list]:
    charges = select(fee_charges).where(fee_charges.c.charged_on <= as_of)
    payments = select(fee_payments).where(fee_payments.c.paid_on <= as_of)
    if trainee is not None:
        charges = charges.where(fee_charges.c.trainee_id == trainee)
        payments = payments.where(fee_payments.c.trainee_id == trainee)
    with read_connection(db) as conn:
        return (
            conn.execute(charges.order_by(fee_charges.c.charge_id)).all(),
            conn.execute(payments.order_by(fee_payments.c.payment_id)).all(),
        )


def balances(
    *, trainee: str | None = None, as_of: date | None = None, db: str | None = None
) -> list[BalanceLine]:
    """Every trainee with a charge or payment on or before ``as_of`` (default today),
    with what was charged, paid and is owed, by trainee id."""
    as_of = as_of or date.today()
    charges, payments = _entries(db, as_of, trainee)
    sums: dict[str, list] = {}
    for c in charges:
        sums.setdefault(c.trainee_id, [c.currency, 0, 0])[1] += c.amount_cents
    for p in payments:
        sums.setdefault(p.trainee_id, [p.currency, 0, 0])[2] += p.amount_cents
    return [BalanceLine(t, *sums[t]) for t in sorted(sums)]


def statement(
    trainee_id: str, *, as_of: date | None = None, db: str | None = None
) -> list[StatementLine]:
    """One trainee's charges and payments in date order (charges first on a day), each
    with the balance after it."""
    as_of = as_of or date.today()
    charges, payments = _entries(db, as_of, trainee_id)
    # The schedule's own wording; a kind the profile no longer lists keeps its id.
    fees = _profile_policy(trainee_id, db).fees if charges else {}
    items = []
    for c in charges:
        detail = fees[c.kind].label if c.kind in fees else c.kind
        if c.override_reason:
            detail += f" (schedule {money(c.schedule_cents or 0)}; {c.override_reason})"
        items.append((c.charged_on, 0, c.charge_id, "charge", detail, c.amount_cents))
    for p in payments:
        detail = p.method + (f" {p.reference}" if p.reference else "")
        items.append((p.paid_on, 1, p.payment_id, "payment", detail, -p.amount_cents))
    out, running = [], 0
    for on, _order, _id, entry, detail, cents in sorted(items):
        running += cents
        out.append(StatementLine(on, entry, detail, cents, running))
    return out


def _profile_policy(trainee_id: str, db: str | None) -> Policy:
    with read_connection(db) as conn:
        profile = conn.execute(
            select(trainees.c.profile).where(trainees.c.trainee_id == trainee_id)
        ).scalar()
    return load_policy(profile or None)


def format_rows(rows: list[dict], columns: tuple[str, ...], fmt: str, empty: str) -> str:
    """``rows`` as ``table`` (plain aligned columns), ``csv`` (pinned header,
    formula-safe) or ``json``."""
    from ppskit.office.listing import format_rows as listing

    def aligned(rows: list[dict]) -> str:
        widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in columns}
        lines = ["  ".join(c.ljust(widths[c]) for c in columns)]
        lines += ["  ".join(str(r[c]).ljust(widths[c]) for c in columns) for r in rows]
        return "\n".join(line.rstrip() for line in lines) + "\n"

    return listing(rows, columns, fmt, empty, table=aligned)
