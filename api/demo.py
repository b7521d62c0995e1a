"""`fundledger demo`: two sample districts of one city, each on an embedded
PostgreSQL server of its own, followed by the city roll-up, served with one
console sign-in per role."""

import json
from pathlib import Path

from rich.console import Console

from api.bootstrap import System, bootstrap
from api.districts import Districts
from api.rollup import open_rollup
from api.serving import project_with_progress, serve_districts
from application import commands as c
from domain.facts import Actor
from domain.person import Kind, person_id_for
from domain.school import School
from infra import districts
from infra.logging import configure_logging
from infra.settings import Settings
from infra.tokens import Role
from samples.people import record_people
from samples.pingcheng import (
    DISTRICT,
    TERM_ENDS,
    TERM_STARTS,
    admin,
    load_sample,
    record_recent,
)
from samples.ratings import rate_courses
from samples.registration import load_registrations
from samples.simulate import Plan, simulate

console = Console(stderr=True, soft_wrap=True)
CITY, PROVINCE = "大同市", "山西省"
DEMO_GUARDIAN = "PC-101-G001"  # a guardian the sample's people include
SIMULATED = Plan(
    schools=2, students=240, seed=2026, district="Yungang", anomalies=True, per_rule=1
)
YUNGANG = SIMULATED.district
DEMO_TOKENS = (
    # subject, role, where it is kept (a district; None: beside the roll-up), scope
    ("demo-regulator", Role.REGULATOR, DISTRICT, {"district": DISTRICT}),
    ("demo-auditor", Role.AUDITOR, DISTRICT, {"district": DISTRICT}),
    ("demo-auditor-yungang", Role.AUDITOR, YUNGANG, {"district": YUNGANG}),
    ("demo-bursar-pc-101", Role.BURSAR, DISTRICT, {"schools": ("PC-101",)}),
    ("demo-approver-pc-101", Role.BURSAR, DISTRICT, {"schools": ("PC-101",)}),
    (
        "demo-admin-pc-101",
        Role.SCHOOL_ADMIN,
        DISTRICT,
        {"district": DISTRICT, "schools": ("PC-101",)},
    ),
    ("demo-bursar-pc-102", Role.BURSAR, DISTRICT, {"schools": ("PC-102",)}),
    (DEMO_GUARDIAN, Role.GUARDIAN, DISTRICT, {"schools": ("PC-101",)}),
    ("demo-city-regulator", Role.REGULATOR, None, {"city": CITY}),
    ("demo-province-auditor", Role.AUDITOR, None, {"province": PROVINCE}),
)
CONSOLE_SIGN_INS = (
    ("regulator", "demo-regulator"),
    ("city regulator", "demo-city-regulator"),
    ("auditor", "demo-auditor"),
    ("bursar", "demo-bursar-pc-101"),
    ("school admin", "demo-admin-pc-101"),
    ("guardian", DEMO_GUARDIAN),
)


def run_demo() -> None:
    configure_logging("WARNING")
    settings = Settings()
    home = bootstrap(settings)
    for name in (DISTRICT, YUNGANG):
        if districts.load(settings.home).named(name) is None:
            districts.add(settings.home, name, city=CITY, province=PROVINCE)
    served = Districts(settings)
    pingcheng, yungang = served.system(DISTRICT), served.system(YUNGANG)
    if pingcheng.funds.head() == 0:
        load_pingcheng(pingcheng)
    if yungang.funds.head() == 0:
        console.print("Generating the Yungang district, with one of each anomaly…")
        truth = simulate(yungang.bus, SIMULATED)
        path = settings.home / "demo-anomalies.json"
        path.write_text(json.dumps(truth.as_dict(), indent=2, default=str))
    recent_note = record_recent_sessions(pingcheng)
    project_with_progress(pingcheng, "Projecting Pingcheng")
    project_with_progress(yungang, "Projecting Yungang")
    rollup = open_rollup(settings)
    rollup.follow()
    rollup.close()
    issued = demo_tokens(settings, {DISTRICT: pingcheng, YUNGANG: yungang, None: home})
    welcome(settings, issued, recent_note)
    serve_districts(settings, home, served=served)


def load_pingcheng(system: System) -> None:
    console.print("Loading the sample term: 2 schools, 300 students, 6 weeks…")
    load_sample(system.bus)
    load_registrations(system.bus)
    console.print("Recording the families' names, ratings and one erasure…")
    guardians = record_people(system.bus, system.registry)
    erase_one(system, guardians)
    rate_courses(system.bus, system.registry, guardians["PC-101"])


def erase_one(system: System, guardians: dict[str, list[str]]) -> None:
    """A guardian who moved away asked to be forgotten: the school asks, the
    district approves."""
    school, code = School.id_for("PC-102"), guardians["PC-102"][-1]
    system.bus.handle(c.RequestErasure(school, Kind.GUARDIAN, code), admin("PC-102"))
    regulator = Actor("regulator-pingcheng", "regulator", None, DISTRICT)
    system.bus.handle(
        c.ApproveErasure(person_id_for(school, Kind.GUARDIAN, code)), regulator
    )


def record_recent_sessions(system: System) -> str:
    """The last working days' sessions of the demo guardian's children, so
    there is something to confirm or dispute today."""
    school = School.id_for("PC-101")
    guardian = person_id_for(school, Kind.GUARDIAN, DEMO_GUARDIAN)
    recent = record_recent(system.bus, system.registry.children_of(guardian))
    if recent:
        days = ", ".join(f"{day:%d %b}" for day in recent)
        return f"sessions of {days}: confirm or dispute within 7 working days"
    return (
        f"no working day of the sample term ({TERM_STARTS} to {TERM_ENDS}) "
        "up to now: no recent session recorded, none awaits confirmation"
    )


def demo_tokens(settings: Settings, kept: dict[str | None, System]) -> dict[str, dict]:
    """Fresh demo tokens each run (hashes cannot be shown again), each kept
    in its district's database or beside the roll-up, saved for scripts."""
    for system in kept.values():
        system.tokens.revoke_subjects("demo-")
        system.tokens.revoke_subjects(DEMO_GUARDIAN)
    issued = {}
    for subject, role, where, scope in DEMO_TOKENS:
        grant, token = kept[where].tokens.create(subject=subject, role=role, **scope)
        issued[subject] = {"role": role.value, "scope": grant.scope, "token": token}
    path = settings.home / "demo-tokens.json"
    path.write_text(json.dumps(issued, indent=2, ensure_ascii=False))
    path.chmod(0o600)
    return issued


def welcome(settings: Settings, issued: dict[str, dict], recent_note: str) -> None:
    base = f"http://{settings.host}:{settings.port}"
    school = School.id_for("PC-101")
    pgdata = districts.pgdata_of(Path(settings.home), YUNGANG)
    console.print(
        f"\n[bold]fundledger[/] is serving the districts {DISTRICT} and {YUNGANG}"
        f" of {CITY}, each on its own PostgreSQL, at {base}\n"
        f"\n  Console  {base}/  sign in with one token per role"
        " (中文, or English by the switch):"
    )
    for role, subject in CONSOLE_SIGN_INS:
        console.print(f"    {role:<15} {subject:<22} {issued[subject]['token']}")
    console.print(
        f"    {'':<15} a bursar's refund is approved by the other bursar,"
        " demo-approver-pc-101\n"
        f"\n  City view           {base}/city  (demo-city-regulator: both districts,"
        " each at its log position)\n"
        f"  Stop a district     fundledger districts stop {YUNGANG}   (its server,"
        f" {pgdata}: the city view marks it stale)\n"
        f"  and start it again  fundledger districts start {YUNGANG}  (the roll-up"
        " catches up within seconds)\n"
        "  City digest         FUNDLEDGER_KEY_PASSPHRASE=… fundledger keys create;"
        f" fundledger digest --city {CITY}\n"
        "  and its check       fundledger verify --city"
        f" {settings.home / 'digests'}/city-{CITY}-….json\n"
        f"\n  API documentation   {base}/docs\n"
        f"  City roll-up        {base}/v1/rollup/districts  (demo-city-regulator,"
        " demo-province-auditor)\n"
        f"  District funds      {base}/v1/districts/{DISTRICT}/funds\n"
        f"  District compliance {base}/v1/districts/{DISTRICT}/compliance\n"
        f"  A school's fund     {base}/v1/schools/{school}/fund\n"
        f"  A family's balance  {base}/v1/schools/{school}/students/PC-101-S005"
        "/balance\n"
        f"  Trial balance       {base}/v1/ledger/trial-balance\n"
        f"  A guardian's children {base}/v1/guardian/children  ({DEMO_GUARDIAN})\n"
        f"  Shares to confirm   {base}/v1/guardian/shares"
        f"  ({DEMO_GUARDIAN}; POST /v1/courses/{{course_id}}/confirmations"
        " or /disputes)\n"
        f"                      {recent_note}\n"
        f"  Anomalies (Yungang) {base}/v1/audit/anomalies  (demo-auditor-yungang;"
        f" what was injected: {settings.home / 'demo-anomalies.json'})\n"
        "\nEvery demo token (also in "
        f"{settings.home / 'demo-tokens.json'}), for the API as"
        " 'Authorization: Bearer …':"
    )
    for subject, grant in issued.items():
        console.print(f"  {subject:<22} {grant['scope']:<12} {grant['token']}")
    console.print("\nPress Ctrl-C to stop.\n")
