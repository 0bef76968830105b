"""The printable certificate (``ppskit certificate ID``) and its check
(``ppskit verify CODE``).

The verification code is the one the ledger stored when the certificate was issued or
last renewed; checking it reads the ledger and the status engine, never the PDF.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ppskit.ledger.api import certificate_events_frame, trainees_frame
from ppskit.ledger.certificates import lookup_code
from ppskit.policies import load_policy
from ppskit.reports.render import Written, _env, html_to_pdf, reports_dir
from ppskit.status import compute_status

#: Stages in which a certificate is in force (renewal-due is still before expiry).
CURRENT_STAGES = ("certified", "renewal-due")


class NoCurrentCertificate(KeyError):
    """The trainee holds no certificate that is in force."""


def _iso(v) -> str:  # noqa: ANN001
    if v is None or v != v:
        return ""
    return v.isoformat() if isinstance(v, date) else str(v)


def _coded_events(trainee_id: str, db: str | None, as_of: date):  # noqa: ANN202
    ev = certificate_events_frame(db=db)
    if ev.empty:
        return ev
    ev = ev[(ev["trainee_id"] == trainee_id) & (ev["on_date"] <= as_of)]
    return ev[ev["code"].notna() & (ev["code"] != "")]


def _renewed_on(coded) -> str:  # noqa: ANN001
    """The date of the latest renewal since the certificate was last issued, or ""."""
    kinds = coded["kind"].tolist()
    for i in range(len(kinds) - 1, -1, -1):
        if kinds[i] == "issued":
            return ""
        if kinds[i] == "renewed":
            return _iso(coded.iloc[i]["on_date"])
    return ""


def certificate_html(trainee_id: str, *, as_of: date | None = None, db: str | None = None) -> str:
    """The certificate page; ``NoCurrentCertificate`` when none is in force."""
    as_of = as_of or date.today()
    st = compute_status(as_of=as_of, trainee=trainee_id, db=db)
    if st.empty:
        raise KeyError(f"unknown trainee '{trainee_id}'")
    row = st.iloc[0]
    if row["stage"] not in CURRENT_STAGES:
        raise NoCurrentCertificate(
            f"{trainee_id} has no certificate in force on {as_of} (stage '{row['stage']}'). "
            f"{row['next_action']}"
        )
    coded = _coded_events(trainee_id, db, as_of)
    last = coded.iloc[-1]
    policy = load_policy(row["profile"] or None)
    trainee = trainees_frame(db=db).set_index("trainee_id").loc[trainee_id]
    employed = trainee["employed_2022_01_01"]
    return (
        _env()
        .get_template("certificate.html")
        .render(
            name=row["name"],
            trainee_id=trainee_id,
            profile_name=policy.name,
            certified_on=row["certified_on"],
            # A replacement copy still shows the renewal it carries.
            renewed_on=_renewed_on(coded),
            expires_on=row["expires_on"],
            code=last["code"],
            grandfathered=_iso(policy.grandfathering.employed_on)
            if employed is True or employed == 1
            else "",
            ce_required=f"{policy.renewal.ce_hours_required:g}",
            cycle_years=policy.renewal.extends_years,
        )
    )


def write_certificate(
    trainee_id: str, *, out: Path | None = None, as_of: date | None = None, db: str | None = None
) -> Written:
    """Write the certificate PDF for a trainee whose certificate is in force."""
    html = certificate_html(trainee_id, as_of=as_of, db=db)
    path = out or reports_dir() / f"certificate-{trainee_id}.pdf"
    html_to_pdf(html, path)
    return Written([path], f"Certificate for {trainee_id}: {path}")


def _replaced_on(coded, code: str) -> str:  # noqa: ANN001
    """The date of the replacement (``ppskit replace``) that superseded ``code``, or ""
    when the next coded event is a renewal (or there is none)."""
    codes = coded["code"].tolist()
    if code not in codes or codes.index(code) + 1 >= len(codes):
        return ""
    after = coded.iloc[codes.index(code) + 1]
    return _iso(after["on_date"]) if after["kind"] == "replaced" else ""


@dataclass
class Verification:
    """What a code says about its holder today."""

    code: str
    found: bool
    current: bool
    message: str
    trainee_id: str = ""
    name: str = ""
    expires_on: str = ""

    @property
    def verdict(self) -> str:
        """The first word of the answer: VALID, REPLACED, EXPIRED, SUSPENDED, REVOKED,
        NOT CURRENT, or UNKNOWN for a code no certificate has."""
        if not self.found:
            return "UNKNOWN"
        return self.message.split(":", 1)[0]

    @property
    def valid(self) -> bool:
        """True only for the code of the certificate in force: a replaced code still names
        its holder, but the paper that carries it is no longer the certificate."""
        return self.verdict == "VALID"


def verify_code(code: str, *, as_of: date | None = None, db: str | None = None) -> Verification:
    """Check a printed verification code against the ledger.

    ``current`` is true when the holder's certification is in force on ``as_of``. A code
    from before a renewal still identifies the holder; the message says it was replaced.
    """
    as_of = as_of or date.today()
    code = code.strip().upper()
    hit = lookup_code(code, db=db)
    if hit is None:
        return Verification(
            code,
            False,
            False,
            f"No certificate has the code {code}. Check the spelling: codes look like "
            "PPSS-7KQ2-M9XD (no letter O or I, no digit 0 or 1).",
        )
    tid, name = hit["trainee_id"], hit["name"]
    row = compute_status(as_of=as_of, trainee=tid, db=db).iloc[0]
    stage = row["stage"]
    coded = _coded_events(tid, db, as_of)
    latest = coded.iloc[-1]["code"] if not coded.empty else code
    current = stage in CURRENT_STAGES
    if current and latest == code:
        msg = (
            f"VALID: {name} ({tid}) holds a current Parent Peer Support Specialist certificate, "
            f"first issued {row['certified_on']}, valid until {row['expires_on']}."
        )
    elif current and _replaced_on(coded, code):
        # A replaced paper may be lost or stolen: name neither the new code nor the reason.
        msg = (
            f"REPLACED: code {code} is from a certificate of {name} ({tid}) that was "
            f"replaced by a new copy on {_replaced_on(coded, code)}; only the new copy is "
            f"valid. The certification is current until {row['expires_on']}; ask the "
            "holder for the new copy."
        )
    elif current:
        msg = (
            f"REPLACED: code {code} is from an earlier certificate of {name} ({tid}), replaced "
            f"at renewal. The certification is current until {row['expires_on']} "
            f"(current code {latest})."
        )
    elif stage == "expired":
        msg = f"EXPIRED: the certificate of {name} ({tid}) expired on {row['expires_on']}."
    elif stage == "suspended":
        msg = f"SUSPENDED: the certificate of {name} ({tid}) is suspended. {row['next_action']}"
    elif stage == "revoked":
        msg = f"REVOKED: the certificate of {name} ({tid}) was revoked. {row['next_action']}"
    else:
        msg = f"NOT CURRENT: {name} ({tid}) holds no certificate in force (stage '{stage}')."
    return Verification(
        code, True, current, msg, trainee_id=tid, name=name, expires_on=row["expires_on"]
    )
