"""``ppskit demo``: a synthetic cohort that reaches every stage, loaded through the same
import and certificate functions a trainer uses, with dates relative to today."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from ppskit.dates import add_years
from ppskit.framework import load_framework
from ppskit.policies import load_policy
from ppskit.records import EXAM_COLUMNS, HOURS_COLUMNS, TRAINEE_COLUMNS

PREFIX = "DEMO-"

# (id, name, birth year, lived, education, id ok, employed 2022, role in the demo)
PEOPLE = [
    ("01", "Alex Rivera", 2010, "yes", "none", "yes", "", "ineligible"),
    ("02", "Bea Thompson", 1984, "yes", "high-school", "yes", "", "in-training"),
    ("03", "Carmen Diaz", 1979, "yes", "ged", "yes", "", "exam-ready"),
    ("04", "Dana Nguyen", 1988, "yes", "bachelor", "yes", "", "retake-open"),
    ("05", "Eli Johnson", 1975, "yes", "high-school", "yes", "yes", "grandfathered"),
    ("06", "Fatima Ali", 1990, "yes", "associate", "yes", "", "certifiable"),
    ("07", "Grace Kim", 1982, "yes", "high-school", "yes", "", "certified"),
    ("08", "Hector Ruiz", 1977, "yes", "ged", "yes", "", "renewal-due"),
    ("09", "Imani Brooks", 1981, "yes", "high-school", "yes", "", "expired"),
    ("10", "Jordan Lee", 1986, "yes", "master", "yes", "", "suspended"),
    ("11", "Kai Morgan", 1983, "yes", "high-school", "yes", "", "revoked"),
    ("12", "Lena Fischer", 1978, "yes", "ged", "yes", "", "certified"),
    ("13", "Marcus Hill", 1987, "yes", "high-school", "yes", "", "exam-ready"),
    ("14", "Nora Patel", 1973, "yes", "high-school", "yes", "yes", "certifiable"),
]


# Trainees of other certifying bodies, run by the same engine from their own profiles:
# (id, name, birth year, education, profile, role in the demo).
OTHER_BODIES = [
    ("15", "Olivia Grant", 1980, "high-school", "calmhsa-pss-pc", "renewal-due, law-ethics short"),
    ("16", "Paul Okafor", 1976, "associate", "ms-dmh-cpss-pc", "inactive (left employment)"),
    ("17", "Rosa Delgado", 1972, "high-school", "ms-dmh-cpss-pc", "expired (Lapsed)"),
    ("18", "Sam Whitfield", 1985, "bachelor", "nff-cfps", "in-training (training too old)"),
    ("19", "Tess Moreau", 1983, "ged", "ga-cps-p", "in-training (after three sittings)"),
]


def _csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _core_rows(
    tid: str,
    start: date,
    per_domain: float,
    verified: str = "yes",
    domains: list[str] | None = None,
) -> list[list]:
    """One training day per domain, a day apart, starting at ``start``."""
    domains = domains or load_framework().domain_ids
    return [
        [
            tid,
            (start + timedelta(days=i)).isoformat(),
            per_domain,
            "core",
            d,
            "session",
            verified,
            "demo training day",
        ]
        for i, d in enumerate(domains)
    ]


def _sitting(tid: str, day: date, form: str, fail: set[str], low: float = 55.0) -> list[list]:
    """A full sitting: the sections in ``fail`` score ``low``, the rest pass (the
    sections of the default profile, whose trainees these are)."""
    return [
        [tid, day.isoformat(), form, s, low if s in fail else 85.0] for s in load_policy().sections
    ]


def _days(tid: str, start: date, n: int, hours: float, category: str, topic: str) -> list[list]:
    """``n`` verified rows of ``hours`` on consecutive days from ``start``."""
    return [
        [tid, (start + timedelta(days=i)).isoformat(), hours, category, topic, "session", "yes", ""]
        for i in range(n)
    ]


def _other_bodies(t: date) -> tuple[list, list, list, dict[str, date]]:
    """Hours, exam rows, facts and issue dates for the trainees of ``OTHER_BODIES``."""
    from ppskit.rules.certificates import expiry_of_new_certificate

    d = {p[0]: PREFIX + p[0] for p in OTHER_BODIES}
    domains = load_framework().domain_ids
    hours: list[list] = []
    exams: list[list] = []
    facts: list[list] = []

    def fact(key: str, day: date, name: str, value: str) -> None:
        facts.append([d[key], day.isoformat(), name, value, "demo"])

    # 15 CalMHSA: certified two years ago less 60 days, so renewal is due; 19 CE hours, of
    # which 5 law-and-ethics (the profile asks 20 and 6).
    issued = {"15": add_years(t, -2) + timedelta(days=60)}
    fact("15", issued["15"] - timedelta(days=120), "code-of-ethics", "yes")
    for i, domain in enumerate(domains):  # 80 core hours, any domains
        hours += _days(d["15"], issued["15"] - timedelta(days=110 - 2 * i), 1, 6.5, "core", domain)
    hours += _days(d["15"], issued["15"] - timedelta(days=80), 2, 1, "core", domains[0])
    hours += _days(
        d["15"], issued["15"] - timedelta(days=60), 5, 8, "specialization", "parent-caregiver"
    )
    exams.append([d["15"], (issued["15"] - timedelta(days=20)).isoformat(), "A", "total", 81.0])
    hours += _days(d["15"], t - timedelta(days=200), 2, 7, "ce", "stigma")
    hours += _days(d["15"], t - timedelta(days=150), 1, 5, "ce", "law-ethics")

    # 16 and 17 Mississippi: 250 work hours in the 3 years before issue, the two shared
    # days and the two-day Parent/Caregiver block; employed in the system.
    ms = load_policy("ms-dmh-cpss-pc")
    issued["16"] = t - timedelta(days=365)
    # 17: issued so that its state period ended more than a month ago: Lapsed.
    start17 = add_years(t, -4) - timedelta(days=30)
    issued["17"] = start17
    assert expiry_of_new_certificate(ms, start17) < t
    for key in ("16", "17"):
        first = issued[key] - timedelta(days=400)
        fact(key, first, "employed-in-system", "yes")
        hours += _days(d[key], first, 50, 5, "work", "paid")
        hours += _days(d[key], issued[key] - timedelta(days=40), 2, 7, "core", domains[0])
        hours += _days(
            d[key], issued[key] - timedelta(days=38), 2, 7, "specialization", "parent-caregiver"
        )
        exams.append([d[key], (issued[key] - timedelta(days=20)).isoformat(), "A", "total", 84.0])
    fact("16", t - timedelta(days=30), "employed-in-system", "no")

    # 18 NFF: 88 core hours, but more than five years ago; work and supervision complete.
    old = add_years(t, -6)
    for i, domain in enumerate(domains):
        hours += _days(d["18"], old + timedelta(days=i), 1, 7, "core", domain)
    hours += _days(d["18"], old + timedelta(days=20), 1, 4, "core", domains[0])
    hours += _days(d["18"], t - timedelta(days=400), 100, 5, "work", "volunteer")
    hours += _days(d["18"], t - timedelta(days=300), 10, 2, "supervision", "individual")

    # 19 Georgia: trained, then three failed sittings within a year: training again.
    fact("19", t - timedelta(days=500), "guardian-two-years", "yes")
    fact("19", t - timedelta(days=500), "foster-parent", "no")
    for i, domain in enumerate(domains):
        hours += _days(d["19"], t - timedelta(days=420 - i), 1, 3.5, "core", domain)
    for days_ago in (300, 240, 180):
        exams.append([d["19"], (t - timedelta(days=days_ago)).isoformat(), "A", "total", 60.0])
    return hours, exams, facts, {d[k]: v for k, v in issued.items()}


def _enrolment_dates(rows: list[list], today: date, lead_days: int = 14) -> dict[str, str]:
    """Each demo trainee enrols ``lead_days`` before their first training day or sitting
    (rows are hours or exam rows: trainee id first, ISO date second); trainees with no
    record yet enrolled ``lead_days`` ago."""
    first: dict[str, date] = {}
    for row in rows:
        day = date.fromisoformat(row[1])
        first[row[0]] = min(first.get(row[0], day), day)
    default = today - timedelta(days=lead_days)
    ids = [PREFIX + p[0] for p in PEOPLE + OTHER_BODIES]
    return {
        tid: (first[tid] - timedelta(days=lead_days) if tid in first else default).isoformat()
        for tid in ids
    }


def build_demo(db: str | None = None, today: date | None = None) -> int:
    """Load the demo cohort unless it is there already; returns trainees added."""
    from ppskit.db import ensure_ledger
    from ppskit.facts import FACT_COLUMNS, import_facts
    from ppskit.imports import import_exam_results, import_hours, import_trainees
    from ppskit.ledger.api import trainees_frame
    from ppskit.ledger.certificates import certify, discipline, renew

    t = today or date.today()
    ensure_ledger(db)  # the demo is often the first thing run on a fresh clone
    existing = trainees_frame(db=db)
    if not existing.empty and existing["trainee_id"].str.startswith(PREFIX).any():
        return 0
    d = {p[0]: PREFIX + p[0] for p in PEOPLE}
    domains = load_framework().domain_ids
    hours: list[list] = []
    exams: list[list] = []
    # Training and exams, dated so each trainee lands in their stage today.
    hours += _core_rows(d["02"], t - timedelta(days=40), 2.75, domains=domains[:8])
    hours += [
        [
            d["02"],
            (t - timedelta(days=3)).isoformat(),
            3,
            "core",
            "advocacy",
            "module",
            "no",
            "module:advocacy",
        ]
    ]
    hours += _core_rows(d["03"], t - timedelta(days=60), 4)
    hours += _core_rows(d["04"], t - timedelta(days=90), 4)
    exams += _sitting(
        d["04"], t - timedelta(days=10), "A", {"engaging-families", "professional-practice"}
    )
    hours += _core_rows(d["06"], t - timedelta(days=80), 4)
    exams += _sitting(d["06"], t - timedelta(days=30), "A", {"safety-and-wellbeing"})
    exams += [[d["06"], (t - timedelta(days=12)).isoformat(), "B", "safety-and-wellbeing", 90.0]]
    # 13: failed twice more after the first sitting; the series is void.
    hours += _core_rows(d["13"], t - timedelta(days=200), 3.5)
    exams += _sitting(
        d["13"], t - timedelta(days=150), "A", {"engaging-families", "professional-practice"}
    )
    exams += [
        [d["13"], (t - timedelta(days=140)).isoformat(), "B", "engaging-families", 60.0],
        [d["13"], (t - timedelta(days=140)).isoformat(), "B", "professional-practice", 75.0],
        [d["13"], (t - timedelta(days=125)).isoformat(), "C", "engaging-families", 65.0],
    ]
    # 14: grandfathered, passed the special exam (its own form), no core hours needed.
    special_form = load_policy().grandfathering.exam_form
    exams += _sitting(d["14"], t - timedelta(days=20), special_form, set())
    certified = {  # trainee -> issue date
        "07": t - timedelta(days=200),
        "08": add_years(t, -2) + timedelta(days=60),
        "09": add_years(t, -2) - timedelta(days=30),
        "10": t - timedelta(days=300),
        "11": t - timedelta(days=400),
        "12": add_years(t, -2) - timedelta(days=100),
    }
    for key, issued in certified.items():
        hours += _core_rows(d[key], issued - timedelta(days=60), 4)
        exams += _sitting(d[key], issued - timedelta(days=20), "A", set())
    ce = [("07", 40, 6), ("08", 200, 14), ("12", 300, 20), ("12", 700, 4)]
    for key, days_ago, h in ce:
        hours.append(
            [
                d[key],
                (t - timedelta(days=days_ago)).isoformat(),
                h,
                "ce",
                "iep-special-education",
                "external",
                "yes",
                "demo CE workshop",
            ]
        )

    other_hours, other_exams, facts, other_issued = _other_bodies(t)
    hours += other_hours
    exams += other_exams
    enrolled = _enrolment_dates(hours + exams + facts, t)
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        people = [
            [d[p[0]], p[1], f"{p[2]}-05-17", p[3], p[4], p[5], p[6], "", enrolled[d[p[0]]]]
            for p in PEOPLE
        ] + [
            [tid, name, f"{year}-03-09", "yes", edu, "yes", "", profile, enrolled[tid]]
            for tid, name, year, edu, profile, _ in ((PREFIX + o[0], *o[1:]) for o in OTHER_BODIES)
        ]
        import_trainees(
            _csv(
                tmpdir / "trainees.csv",
                [*TRAINEE_COLUMNS, "enrolled_on"],
                people,
            ),
            by="demo",
            db=db,
            today=t,
        )
        import_hours(
            _csv(
                tmpdir / "hours.csv",
                HOURS_COLUMNS,
                hours,
            ),
            by="demo",
            db=db,
            today=t,
        )
        import_exam_results(
            _csv(tmpdir / "exams.csv", EXAM_COLUMNS, exams),
            by="demo",
            db=db,
            today=t,
        )
        import_facts(_csv(tmpdir / "facts.csv", FACT_COLUMNS, facts), by="demo", db=db, today=t)
    for key, issued in certified.items():
        certify(d[key], on=issued, by="demo", db=db, today=t)
    for tid, issued in other_issued.items():
        certify(tid, on=issued, by="demo", db=db, today=t)
    renew(d["12"], on=t - timedelta(days=130), by="demo", db=db, today=t)
    discipline(
        d["10"],
        "suspended",
        on=t - timedelta(days=20),
        reason="complaint under investigation",
        by="demo",
        db=db,
        today=t,
    )
    discipline(
        d["11"],
        "revoked",
        on=t - timedelta(days=50),
        reason="serving own family member (seed 004 staffing rule)",
        by="demo",
        db=db,
        today=t,
    )
    _supervision(d, t, db)
    _office(d, t, db)
    return len(PEOPLE) + len(OTHER_BODIES)


def _supervision(d: dict[str, str], t: date, db: str | None) -> None:
    """Supervisors and sessions for the working specialists, with two flags to show:
    DEMO-09 has no supervision recorded, and DEMO-15 (CalMHSA) is supervised by someone
    without the CalMHSA supervisor course."""
    from ppskit.office.supervision import add_supervisor, log_supervision, qualify_supervisor

    add_supervisor("DEMO-S1", name="Rosa Delgado", by="demo", db=db)
    qualify_supervisor(
        "DEMO-S1", on=t - timedelta(days=400), lived_experience=True, ppss_years=7,
        managing=True, by="demo", db=db, today=t,
    )  # fmt: skip
    for key in ("07", "08", "10", "12"):
        for months in (3, 2, 1):
            log_supervision(
                d[key], supervisor_id="DEMO-S1", on=t - timedelta(days=30 * months + 3),
                hours=1, note="monthly supervision", by="demo", db=db, today=t,
            )  # fmt: skip
    log_supervision(
        PREFIX + "15", supervisor_id="DEMO-S1", on=t - timedelta(days=10), hours=1,
        note="monthly supervision", by="demo", db=db, today=t,
    )  # fmt: skip


def _office(d: dict[str, str], t: date, db: str | None) -> None:
    """The complaint behind DEMO-10's suspension, under investigation."""
    from ppskit.office.complaints import open_complaint, start_investigation

    n = open_complaint(
        d["10"], received_on=t - timedelta(days=25), event_date=t - timedelta(days=35),
        summary="A parent reports details of her family's case were shared in a group.",
        complainant="a parent in the Tuesday support group", by="demo", db=db, today=t,
    ).complaint_id  # fmt: skip
    start_investigation(n, on=t - timedelta(days=22), by="demo", db=db, today=t)


def run_demo(db: str | None = None, echo: Callable[[str], None] = print) -> None:
    """Build the demo cohort (once), print the status table and what to try next."""
    from ppskit.db import resolve_url
    from ppskit.status_output import render_status

    url = resolve_url(db)
    added = build_demo(db)
    if added:
        echo(f"Loaded a demo cohort of {added} trainees into {url}")
    else:
        echo(f"The demo cohort is already in {url}")
    echo(render_status(db=db))
    try:
        from ppskit.reports.demo_hook import write_demo_report  # issue 6
    except ImportError:
        write_demo_report = None
    if write_demo_report is not None:
        echo(write_demo_report(db=db))
    today = date.today().isoformat()
    echo(
        "Try next:\n"
        "  ppskit status --format csv                 # the same table as CSV\n"
        "  ppskit status --trainee DEMO-04            # one trainee\n"
        f"  ppskit hours log DEMO-02 --date {today} --hours 3 --topic culture   # log hours\n"
        f"  ppskit certify DEMO-06 --on {today}      # issue a certificate\n"
        "  ppskit complaints list                     # the office: open complaints\n"
        "  ppskit supervision flags                   # supervision not in order\n"
        "  ppskit modules list                        # the curriculum\n"
        "  jupyter lab modules/                       # open the trainee notebooks\n"
    )
