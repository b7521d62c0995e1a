"""A corpus of malformed requests to every write route the API documents: each
is refused with a 4xx problem (never a 5xx), by validation or a rule rather
than for want of a token, and neither the log, the personal-data registry nor
the login codes and tokens move.

Each case differs in one thing from a request its route would accept (ROUTES),
so a case that slips through writes, and fails."""

import base64
import io
import json
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from uuid import UUID

import httpx
import openpyxl
import psycopg
import pytest

import api.requests
from domain.person import Kind
from infra.tokens import Role, digest

SCHOOL, DISTRICT, DAY = "PC-301", "Yungang", "2026-09-01"
ACCOUNT = "CN1200000000000001234"
ADMIN, BURSAR, REGULATOR = Role.SCHOOL_ADMIN, Role.BURSAR, Role.REGULATOR
WRITES = {"post", "put", "patch", "delete"}
AT_LEAST, PER_ROUTE = 1000, 9  # floors, so the corpus cannot quietly shrink
MEGABYTE = 1_000_000
HUGE = "9" * MEGABYTE  # one string, shared by every case that sends it
UNKNOWN = "6f1c2a3e-0000-4000-8000-000000000000"
ELSEWHERE = "6f1c2a3e-0000-4000-8000-0000000000e5"  # a school not the fund's
PROBLEM = "application/problem+json"
NOT_REACHED = {"unauthenticated", "forbidden", "too-many-requests"}


@dataclass(frozen=True)
class Known:
    """An id of the fund set up by the fixture, filled in when sent."""

    name: str


TEACHER, COURSE = Known("teacher_id"), Known("course_id")
RATINGS = "/courses/{course_id}/ratings"
STUDENTS = "/schools/{school_id}/people/students/{student_id}"
GUARDIANS = "/schools/{school_id}/people/guardians/{code}"
TEACHERS = "/schools/{school_id}/people/teachers/{teacher_id}"
ERASURE = "/people/{person_id}/erasure"
APPROVAL = "/people/{person_id}/erasure/approval"
LOGIN_CODE = GUARDIANS + "/login-code"
LOGIN = "/login"
CONFIRMATIONS = "/courses/{course_id}/confirmations"
DISPUTES = "/courses/{course_id}/disputes"
ANSWER = "/disputes/{dispute_id}/answer"
ESCALATION = "/disputes/{dispute_id}/escalation"
DECISION = "/disputes/{dispute_id}/decision"
DISPUTED = {"dispute_id": "2026-09-21", "rejected_id": "2026-09-22"}
DISPUTED |= {"escalated_id": "2026-09-23"}
"""The sessions of student a that the fixture's disputes are about: one open,
one rejected, one escalated."""
SUBJECTS = {ESCALATION: "g-a"}
"""Routes sent with the token of a guardian (of student a), not their own."""
PEOPLE = {STUDENTS: "student_id", GUARDIANS: "code", TEACHERS: "teacher_id"}
"""The routes that record a person, and the path parameter naming them: a PUT
records whoever it names, so an id not seen before is no error there."""
BANK_FORMATS = "/schools/{school_id}/bank-formats/{format_name}"
NAMING = PEOPLE | {BANK_FORMATS: "format_name"}
"""The PUT routes, and the path parameter naming what they save."""
METHODS = dict.fromkeys(NAMING, "put")
KEYLESS = {*NAMING, LOGIN_CODE, LOGIN}
"""The routes that read no Idempotency-Key: a PUT is idempotent without one,
and a login code or a token is new each time it is asked for."""


def method_of(route: str) -> str:
    return METHODS.get(route, "post")


def fill(value, ids: dict[str, str]):
    if isinstance(value, Known):
        return ids[value.name]
    if isinstance(value, dict):
        return {fill(k, ids): fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    return value


def wide(text: str) -> str:
    return text.translate({ord("0") + d: 0xFF10 + d for d in range(10)})


def arabic(text: str) -> str:
    return text.translate({ord("0") + d: 0x0660 + d for d in range(10)})


CSV = "date,reference,description,amount,direction\n"


def row(day="2026-09-02", reference="X-2", amount="300.00", direction="credit"):
    return f"{CSV}{day},{reference},fee,{amount},{direction}\n"


@dataclass(frozen=True)
class Case:
    route: str  # as the OpenAPI document names it, less /v1
    name: str
    body: object = None  # JSON, sent ASCII-escaped; None: no body
    raw: bytes | None = None  # sent as is, instead of body
    content_type: str = "application/json"
    path: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    refused_as: str = ""  # a problem type of NOT_REACHED that is the answer

    @property
    def method(self) -> str:
        return method_of(self.route)

    @property
    def id(self) -> str:
        return f"{self.route} {self.name}"


# Who may write to each route (None: anyone, without a token), and a body it
# would accept. Bodies hold only required fields, so that dropping or nulling
# any one of them is an error.
ROUTES: dict[str, tuple[Role | None, dict | None]] = {
    "/schools": (
        ADMIN,
        {"district": DISTRICT, "code": "PC-302", "name": "Xinjian Primary"},
    ),
    "/schools/{school_id}/terms": (
        ADMIN,
        {
            "code": "T2",
            "starts": "2027-02-20",
            "ends": "2027-07-10",
            "fee_per_term": "300.00",
            "fee_cap": "360.00",
            "planned_sessions": 10,
        },
    ),
    "/schools/{school_id}/teachers": (
        ADMIN,
        {"code": "li", "kind": "external", "rate": "80.00"},
    ),
    "/teachers/{teacher_id}/rates": (
        ADMIN,
        {"rate": "60.00", "effective": "2026-11-01"},
    ),
    "/terms/{term_id}/courses": (
        ADMIN,
        {
            "code": "C2",
            "name": "Go",
            "category": "science",
            "capacity": 20,
            "teacher_id": TEACHER,
        },
    ),
    "/courses/{course_id}/enrolments": (ADMIN, {"student_id": "b", "on": DAY}),
    "/courses/{course_id}/enrolments/{student_id}/leave": (
        ADMIN,
        {"dates": ["2026-12-14"]},
    ),
    "/courses/{course_id}/enrolments/{student_id}/withdrawal": (
        ADMIN,
        {"on": "2026-12-01"},
    ),
    "/courses/{course_id}/enrolments/{student_id}/waiver": (
        ADMIN,
        {"on": "2026-12-01"},
    ),
    "/terms/{term_id}/registration-window": (
        ADMIN,
        {"opens": "2026-09-01T08:00:00+08:00", "closes": "2027-01-10T17:00"},
    ),
    "/terms/{term_id}/registration-window/closure": (ADMIN, None),
    "/terms/{term_id}/registrations": (ADMIN, {"student_id": "b", "course_id": COURSE}),
    "/courses/{course_id}/waiting-list/departures": (ADMIN, {"student_id": "a"}),
    "/courses/{course_id}/enrolments/{student_id}/leave-requests": (
        ADMIN,
        {"dates": ["2026-12-15"]},
    ),
    "/courses/{course_id}/ratings": (
        ADMIN,
        {
            "student_id": "a",
            "week": "2026-09-02",
            "course_score": 5,
            "teacher_score": 4,
        },
    ),
    "/leave-requests/{request_id}/approval": (ADMIN, None),
    "/leave-requests/{request_id}/refusal": (ADMIN, None),
    "/courses/{course_id}/sessions": (
        ADMIN,
        {
            "day": "2026-09-08",
            "starts": "15:30",
            "ends": "17:30",
            "teacher_id": TEACHER,
            "present": ["a"],
        },
    ),
    "/courses/{course_id}/sessions/{day}/reversal": (
        ADMIN,
        {"reason": "recorded for the wrong class"},
    ),
    "/schools/{school_id}/payments": (
        BURSAR,
        {
            "student_id": "a",
            "amount": "30.00",
            "channel": "wechat",
            "reference": "W-9",
            "received_on": DAY,
        },
    ),
    "/payments/{payment_id}/reallocation": (
        BURSAR,
        {
            "lines": [{"course_id": COURSE, "amount": "300.00"}],
            "reason": "paid for chess after all",
        },
    ),
    "/schools/{school_id}/refunds": (
        BURSAR,
        {
            "student_id": "a",
            "amount": "10.00",
            "reason": "withdrew",
            "reference": "RF-2",
        },
    ),
    "/refunds/{refund_id}/approval": (BURSAR, None),
    "/refunds/{refund_id}/cancellation": (BURSAR, None),
    "/refunds/{refund_id}/payment": (
        BURSAR,
        {"bank_reference": "BANK-1", "paid_on": "2026-11-02"},
    ),
    "/schools/{school_id}/subsidies": (
        BURSAR,
        {
            "reference": "GRANT-2",
            "source": "Yungang Education Bureau",
            "amount": "500.00",
            "received_on": DAY,
        },
    ),
    "/subsidies/{grant_id}/allocations": (
        BURSAR,
        {"course_id": COURSE, "amount": "100.00", "on": "2026-09-30"},
    ),
    "/terms/{term_id}/surplus-report": (BURSAR, None),
    "/schools/{school_id}/payroll": (BURSAR, {"month": "2026-10"}),
    "/payroll/{run_id}/approval": (BURSAR, None),
    "/payroll/{run_id}/payment": (
        BURSAR,
        {"bank_references": {TEACHER: "BANK-PAY-1"}, "paid_on": "2026-10-05"},
    ),
    "/schools/{school_id}/bank-account": (BURSAR, {"account": ACCOUNT}),
    "/schools/{school_id}/bank-statements": (
        BURSAR,
        {"format": "csv", "content": row()},
    ),
    BANK_FORMATS: (
        BURSAR,
        {
            "encoding": "gbk",
            "date_format": "YYYYMMDD",
            "date": "交易日期",
            "reference": "交易流水号",
            "debit": "借方发生额",
            "credit": "贷方发生额",
        },
    ),
    STUDENTS: (ADMIN, {"name": "王小明", "grade": 3, "class_name": "3A"}),
    GUARDIANS: (
        ADMIN,
        {
            "name": "王建国",
            "phone": "13912345678",
            "relation": "father",
            "children": ["a"],
        },
    ),
    TEACHERS: (
        ADMIN,
        {
            "name": "李老师",
            "phone": "010-12345678",
            "payee_account": "6222020200112233445",
        },
    ),
    ERASURE: (ADMIN, None),
    APPROVAL: (REGULATOR, None),
    LOGIN_CODE: (ADMIN, None),
    LOGIN: (None, {"login_code": "K7M2P-Q9XRT"}),
    CONFIRMATIONS: (ADMIN, {"student_id": "a", "day": DAY}),
    DISPUTES: (ADMIN, {"student_id": "a", "day": DAY, "grounds": "absent"}),
    ANSWER: (BURSAR, {"accept": False, "evidence": "the sign-in sheet"}),
    ESCALATION: (Role.GUARDIAN, None),
    DECISION: (REGULATOR, {"upheld": False, "note": "the sheet is signed"}),
}
WITH_BODY = {route: body for route, (_, body) in ROUTES.items() if body}


def with_(route: str, name: str, /, **changes) -> Case:
    """The route's accepted body, with ``changes``."""
    return Case(route, name, WITH_BODY[route] | changes)


def raw(route: str, name: str, content: bytes, type_="application/json") -> Case:
    return Case(route, name, raw=content, content_type=type_)


# -- every route with a body: its shape, its fields, its size ---------------


def shapes(route: str, body: dict) -> list[Case]:
    return [
        raw(route, "invalid JSON", b'{"code": '),
        raw(route, "empty body", b""),
        raw(route, "a JSON array", b"[]"),
        raw(route, "JSON null", b"null"),
        raw(route, "a JSON string", b'"hello"'),
        raw(route, "a raw NUL in JSON", b'{"\x00": 1}'),
        raw(route, "invalid UTF-8", b'{"code": "\xff\xfe"}'),
        raw(route, "nested 100000 deep", b"[" * 100_000),
        raw(route, "a 5000-digit number", b'{"n": ' + b"9" * 5000 + b"}"),
        Case(route, "as text/plain", body, content_type="text/plain"),
        raw(route, "as a form", b"code=x&name=y", "application/x-www-form-urlencoded"),
        raw(route, "as XML", b"<code>x</code>", "application/xml"),
        Case(route, "no fields", {}),
        Case(route, "an unknown field", body | {"surplus": 1}),
        Case(route, "1 MB in every string", enlarged(body)),
    ]


def per_field(route: str, body: dict) -> list[Case]:
    cases = []
    for key, value in body.items():
        wrong = [] if isinstance(value, dict) else {"not": "this"}
        cases += [
            Case(route, f"{key} missing", {k: v for k, v in body.items() if k != key}),
            Case(route, f"{key} null", body | {key: None}),
            Case(route, f"{key} of the wrong type", body | {key: wrong}),
        ]
    return cases


def enlarged(value):
    if isinstance(value, str):
        return HUGE
    if isinstance(value, dict):
        return {k: enlarged(v) for k, v in value.items()}
    if isinstance(value, list):
        return [enlarged(v) for v in value]
    return value


def path_parameters(route: str) -> list[str]:
    return [part[1:-1] for part in route.split("/") if part.startswith("{")]


def paths_and_keys(route: str, body: dict | None) -> list[Case]:
    unknown = {"student_id": "nobody", "day": "2026-09-02"}
    malformed = {"student_id": "a b", "code": "a b", "day": "2026-02-30"}
    malformed |= {"format_name": "a b"}
    cases = []
    for name in path_parameters(route):
        if NAMING.get(route) != name:
            value = unknown.get(name, UNKNOWN)
            cases.append(Case(route, f"unknown {name}", body, path={name: value}))
        value = malformed.get(name, "x")
        cases.append(Case(route, f"malformed {name}", body, path={name: value}))
    if route in KEYLESS:
        return cases
    return [
        *cases,
        Case(
            route, "a 129-character key", body, headers={"Idempotency-Key": "k" * 129}
        ),
        Case(route, "a key with a space", body, headers={"Idempotency-Key": "a key"}),
    ]


def without_body(route: str) -> list[Case]:
    """Each path parameter spoiled; and a body, which the route does not read,
    for an unknown id of the thing it acts on (named last)."""
    names = path_parameters(route)
    cases = []
    for name in names:
        cases += [
            Case(route, f"{name} in fullwidth digits", path={name: wide(UNKNOWN)}),
            Case(route, f"{name} of NUL", path={name: "%00"}),
            Case(route, f"{name} of 8 kB", path={name: "f" * 8000}),
        ]
        if name != "school_id":
            cases.append(
                Case(route, f"{name} of a school", path={name: Known("school_id")})
            )
    body = Case(route, "a body, for an unknown id", {"x": 1}, path={names[-1]: UNKNOWN})
    return [*cases, body]


# -- what the routes hold: amounts, text, codes, dates ----------------------

BAD_AMOUNTS = {
    "in fullwidth digits": wide("300.00"),
    "in Arabic-Indic digits": arabic("300.00"),
    "as a JSON number": 300,
    "negative": "-300.00",
}
MORE_AMOUNTS = {
    "with an exponent": "3e2",
    "with a thousands comma": "1,000.00",
    "with three decimals": "1.005",
    "of thirteen digits": "1" * 13 + ".00",
    "with a plus": "+300.00",
    "NaN": "NaN",
    "empty": "",
    "zero": "0.00",
}
BAD_TEXT = {
    "with NUL": "a\x00b",
    "with ESC": "a\x1bb",
    "with a tab": "a\tb",
    "with a line break": "a\nb",
    "with DEL": "a\x7fb",
    "with NEL": "a\x85b",
    "only whitespace": " \u3000 ",
    "empty": "",
    "of 201 characters": "x" * 201,
    "half a character": "a\ud800",
}
BAD_CODES = {
    "with NUL": "a\x00",
    "with a space": "a b",
    "in fullwidth letters": "\N{FULLWIDTH LATIN CAPITAL LETTER P}C",
    "of 65 characters": "a" * 65,
    "with a leading dash": "-a",
}
BAD_DATES = {
    "0001-01-01": "0001-01-01",
    "9999-12-31": "9999-12-31",
    "a 30 February": "2026-02-30",
    "in fullwidth digits": wide("2026-09-01"),
}
MORE_DATES = {
    "1999-12-31": "1999-12-31",
    "2101-01-01": "2101-01-01",
    "a five-digit year": "10000-01-01",
    "a two-digit year": "26-09-01",
    "a number": 20260901,
    "empty": "",
}
BAD_INTS = {
    "zero": 0,
    "negative": -1,
    "10**30": 10**30,
    "in fullwidth digits": wide("10"),
    "a fraction": 1.5,
    "NaN": float("nan"),
}
AMOUNTS = {
    "/schools/{school_id}/terms": ["fee_per_term", "fee_cap"],
    "/schools/{school_id}/teachers": ["rate"],
    "/teachers/{teacher_id}/rates": ["rate"],
    "/schools/{school_id}/refunds": ["amount"],
    "/schools/{school_id}/subsidies": ["amount"],
    "/subsidies/{grant_id}/allocations": ["amount"],
}
TEXTS = {
    "/schools": ["district", "name"],
    "/terms/{term_id}/courses": ["name"],
    "/courses/{course_id}/sessions/{day}/reversal": ["reason"],
    "/payments/{payment_id}/reallocation": ["reason"],
    "/schools/{school_id}/refunds": ["reason"],
    "/schools/{school_id}/subsidies": ["source"],
}
CODES = {
    "/schools": ["code"],
    "/schools/{school_id}/terms": ["code"],
    "/schools/{school_id}/teachers": ["code"],
    "/terms/{term_id}/courses": ["code"],
    "/courses/{course_id}/enrolments": ["student_id"],
    "/schools/{school_id}/payments": ["student_id", "channel", "reference"],
    "/schools/{school_id}/refunds": ["student_id", "reference"],
    "/refunds/{refund_id}/payment": ["bank_reference"],
    "/schools/{school_id}/subsidies": ["reference"],
    "/schools/{school_id}/bank-account": ["account"],
}
DATES = {
    "/schools/{school_id}/terms": ["starts", "ends"],
    "/teachers/{teacher_id}/rates": ["effective"],
    "/courses/{course_id}/enrolments": ["on"],
    "/courses/{course_id}/enrolments/{student_id}/withdrawal": ["on"],
    "/courses/{course_id}/enrolments/{student_id}/waiver": ["on"],
    "/courses/{course_id}/sessions": ["day"],
    "/schools/{school_id}/payments": ["received_on"],
    "/refunds/{refund_id}/payment": ["paid_on"],
    "/schools/{school_id}/subsidies": ["received_on"],
    "/subsidies/{grant_id}/allocations": ["on"],
    "/payroll/{run_id}/payment": ["paid_on"],
    RATINGS: ["week"],
}
INTS = {
    "/schools/{school_id}/terms": ["planned_sessions", "refund_deadline_days"],
    "/terms/{term_id}/courses": ["capacity", "planned_sessions"],
    RATINGS: ["course_score", "teacher_score"],
}


def values(table: dict[str, list[str]], bad: dict[str, object]) -> list[Case]:
    return [
        with_(route, f"{key} {name}", **{key: value})
        for route, keys in table.items()
        for key in keys
        for name, value in bad.items()
    ]


PAYMENTS = "/schools/{school_id}/payments"
SESSIONS = "/courses/{course_id}/sessions"


def ratings() -> list[Case]:
    scores = {"six": 6, "as a string": "5", "as a boolean": True, "4.0": 4.0}
    comments = {
        "of 501 characters": "x" * 501,
        "with a line break": "good\nteacher",
        "with NUL": "a\x00b",
        "only whitespace": " \u3000 ",
        "empty": "",
        "not text": 5,
    }
    return [
        *(
            with_(RATINGS, f"{key} {name}", **{key: value})
            for key in ("course_score", "teacher_score")
            for name, value in scores.items()
        ),
        *(with_(RATINGS, f"comment {n}", comment=v) for n, v in comments.items()),
        with_(RATINGS, "a week the student was not present", week="2026-09-09"),
        with_(RATINGS, "a week not yet begun", week="2027-01-11"),
        with_(RATINGS, "a student not enrolled", student_id="b"),
        with_(RATINGS, "a student of another school", student_id="z"),
        with_(RATINGS, "the teacher named", teacher_id=UNKNOWN),
        Case(
            RATINGS,
            "an unknown course",
            WITH_BODY[RATINGS],
            path={"course_id": UNKNOWN},
        ),
    ]


def payments() -> list[Case]:
    def line(amount="300.00", course=COURSE) -> dict:
        return {"course_id": course, "amount": amount}

    cases = [
        with_(PAYMENTS, f"amount {name}", amount=value)
        for name, value in (BAD_AMOUNTS | MORE_AMOUNTS).items()
    ]
    return [
        *cases,
        *(
            with_(PAYMENTS, f"received_on {name}", received_on=value)
            for name, value in MORE_DATES.items()
        ),
        with_(PAYMENTS, "lines empty", lines=[]),
        with_(PAYMENTS, "51 lines", lines=[line("1.00")] * 51),
        with_(PAYMENTS, "a line in fullwidth digits", lines=[line(wide("300.00"))]),
        with_(PAYMENTS, "a line of an unknown course", lines=[line(course=UNKNOWN)]),
        with_(PAYMENTS, "a line of no course", lines=[{"amount": "30.00"}]),
        with_(PAYMENTS, "lines not adding up", lines=[line("1.00")]),
    ]


def reallocations() -> list[Case]:
    route = "/payments/{payment_id}/reallocation"
    line = {"course_id": COURSE, "amount": "300.00"}
    return [
        with_(route, "lines empty", lines=[]),
        with_(
            route,
            "a line in Arabic-Indic digits",
            lines=[line | {"amount": arabic("300.00")}],
        ),
        with_(route, "a line of a malformed course", lines=[line | {"course_id": "x"}]),
        with_(
            route, "a line of an unknown course", lines=[line | {"course_id": UNKNOWN}]
        ),
        with_(route, "a line with an unknown field", lines=[line | {"why": "x"}]),
    ]


def terms_and_courses() -> list[Case]:
    terms, courses = "/schools/{school_id}/terms", "/terms/{term_id}/courses"
    return [
        with_(terms, "ending before it starts", starts="2027-07-10", ends="2027-02-20"),
        with_(terms, "a closed day in year 1", closed_days=["0001-01-01"]),
        with_(terms, "367 closed days", closed_days=["2027-03-01"] * 367),
        with_(terms, "absence_consumes maybe", absence_consumes="maybe"),
        with_(courses, "an unknown category", category="cooking"),
        with_(courses, "a category in capitals", category="SCIENCE"),
        with_(courses, "a malformed teacher", teacher_id="x"),
        with_(courses, "an unknown teacher", teacher_id=UNKNOWN),
        with_(courses, "fee in fullwidth digits", fee=wide("300.00")),
        with_(courses, "a negative fee", fee="-1.00"),
        with_("/schools/{school_id}/teachers", "an unknown kind", kind="contractor"),
        with_("/schools/{school_id}/teachers", "since year 1", since="0001-01-01"),
    ]


def register() -> list[Case]:
    enrol = "/courses/{course_id}/enrolments"
    leave = "/courses/{course_id}/enrolments/{student_id}/leave"
    reversal = "/courses/{course_id}/sessions/{day}/reversal"
    return [
        with_(enrol, "waived maybe", waived="maybe"),
        with_(enrol, "a student enrolled already", student_id="a"),
        *(
            with_(leave, f"a date {name}", dates=["2026-12-14", value])
            for name, value in (BAD_DATES | MORE_DATES).items()
        ),
        with_(leave, "no dates", dates=[]),
        with_(leave, "367 dates", dates=["2026-12-14"] * 367),
        with_(leave, "dates as a string", dates="2026-12-14"),
        *(
            Case(reversal, f"day {name}", WITH_BODY[reversal], path={"day": value})
            for name, value in BAD_DATES.items()
            if isinstance(value, str)
        ),
    ]


def registration() -> list[Case]:
    window = "/terms/{term_id}/registration-window"
    registrations = "/terms/{term_id}/registrations"
    leave = "/courses/{course_id}/enrolments/{student_id}/leave-requests"
    return [
        with_(window, "closing before it opens", opens="2027-01-10T17:00"),
        with_(window, "closing after the term", closes="2027-03-01T08:00"),
        with_(window, "opening in year 1", opens="0001-01-01T08:00"),
        with_(window, "an instant in fullwidth digits", opens=wide("2026-09-01T08:00")),
        with_(window, "a date, not an instant", opens="2026-09-01T25:00"),
        with_(registrations, "outside any window"),
        with_(registrations, "a student id with a space", student_id="a b"),
        with_(registrations, "a malformed course", course_id="x"),
        with_(registrations, "an unknown course", course_id=UNKNOWN),
        with_(leave, "a free-text reason", reason="grandmother Wang is ill"),
        with_(leave, "a reason in capitals", reason="ILLNESS"),
        with_(leave, "a date outside the term", dates=["2027-02-01"]),
        with_(leave, "no dates", dates=[]),
        with_(leave, "a delivered session", dates=[DAY]),
    ]


def sessions() -> list[Case]:
    times = {
        "25 o'clock": "25:00",
        "24:00": "24:00",
        "with an offset": "15:30+08:00",
        "in fullwidth digits": wide("15:30"),
        "as seconds": 55800,
        "empty": "",
    }
    return [
        *(
            with_(SESSIONS, f"{key} {name}", **{key: value})
            for key in ("starts", "ends")
            for name, value in times.items()
        ),
        with_(SESSIONS, "ending before it starts", starts="17:30", ends="15:30"),
        with_(SESSIONS, "1001 present", present=["a"] * 1001),
        with_(SESSIONS, "100000 present", present=["a"] * 100_000),
        with_(SESSIONS, "a student id with NUL", present=["a\x00"]),
        with_(
            SESSIONS,
            "a student id in fullwidth",
            present=["\N{FULLWIDTH LATIN SMALL LETTER A}"],
        ),
        with_(SESSIONS, "an unknown teacher", teacher_id=UNKNOWN),
        with_(SESSIONS, "a malformed teacher", teacher_id="x"),
        with_(SESSIONS, "a day outside the term", day="2027-03-01"),
        with_(SESSIONS, "the day already delivered", day=DAY),
    ]


def payroll() -> list[Case]:
    draft, pay = "/schools/{school_id}/payroll", "/payroll/{run_id}/payment"
    months = {
        "13": "2026-13",
        "without a leading zero": "2026-9",
        "in fullwidth digits": wide("2026-10"),
        "1999-12": "1999-12",
        "2101-01": "2101-01",
        "as a date": "2026-10-01",
        "not begun": "2027-06",
    }
    return [
        *(with_(draft, f"month {name}", month=value) for name, value in months.items()),
        with_(pay, "a malformed teacher", bank_references={"x": "BANK-1"}),
        with_(pay, "a reference with NUL", bank_references={TEACHER: "B\x00"}),
        with_(pay, "a reference of 1 MB", bank_references={TEACHER: "B" * MEGABYTE}),
        with_(pay, "a run not approved", bank_references={TEACHER: "BANK-PAY-1"}),
    ]


def refunds() -> list[Case]:
    route = "/schools/{school_id}/refunds"
    return [
        with_(route, "more than the credit", amount="100000.00"),
        with_(route, "a malformed course", course_id="x"),
        with_(route, "an unknown course", course_id=UNKNOWN),
        with_(route, "of a student unknown", student_id="nobody"),
    ]


def accounts() -> list[Case]:
    route = "/schools/{school_id}/bank-account"
    return [
        with_(route, "account of 41 characters", account="C" * 41),
        with_(route, "account in fullwidth digits", account=wide(ACCOUNT)),
        with_(route, "account with a line break", account="CN12\n000000"),
    ]


# -- bank statements: camt.053 XML and CSV ----------------------------------

STATEMENTS = "/schools/{school_id}/bank-statements"
NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"


def camt(
    *,
    amount="300.00",
    day=DAY,
    account=ACCOUNT,
    currency="CNY",
    indicator="CRDT",
    head='<?xml version="1.0" encoding="UTF-8"?>',
    statements=1,
    entries=1,
) -> str:
    entry = (
        f'<Ntry><Amt Ccy="{currency}">{amount}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>'
        f"<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>{day}</Dt></BookgDt>"
        "<AcctSvcrRef>X-1</AcctSvcrRef></Ntry>"
    )
    stmt = (
        f"<Stmt><Id>S-1</Id><Acct><Id><Othr><Id>{account}</Id></Othr></Id>"
        f"<Ccy>{currency}</Ccy></Acct>{entry * entries}</Stmt>"
    )
    return (
        f'{head}<Document xmlns="{NS}"><BkToCstmrStmt>'
        f"{stmt * statements}</BkToCstmrStmt></Document>"
    )


def laughs() -> str:
    """A DOCTYPE whose entity lol9 grows to 10**9 lols."""
    entities = ['<!ENTITY lol0 "lol">']
    for n in range(1, 10):
        ten = f"&lol{n - 1};" * 10
        entities.append(f'<!ENTITY lol{n} "{ten}">')
    return f'<?xml version="1.0"?><!DOCTYPE d [{"".join(entities)}]>'


HOSTILE_XML = {
    "billion laughs": camt(head=laughs(), account="&lol9;"),
    "an external entity": camt(
        head='<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>', account="&x;"
    ),
    "an external entity over HTTP": camt(
        head='<!DOCTYPE d [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>', account="&x;"
    ),
    "a parameter entity": camt(
        head='<!DOCTYPE d [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>'
    ),
    "an external DTD": camt(head='<!DOCTYPE Document SYSTEM "http://127.0.0.1:9/d">'),
    "a lowercase doctype": camt(head="<!doctype d [<!entity x 'y'>]>"),
    **{
        f"declared {encoding}": camt(
            head=f'<?xml version="1.0" encoding="{encoding}"?>'
        )
        for encoding in ("UTF-16", "x-nothing", "utf-7", "hex", "idna", "punycode")
    },
    "a character reference to NUL": camt(account="&#0;"),
    "nested 100000 deep": "<a>" * 100_000 + "</a>" * 100_000,
}
BAD_XML = {
    "not closed": camt()[:-12],
    "cut in half": camt()[: len(camt()) // 2],
    "not XML": "hello",
    "another message": f'<Document xmlns="{NS}"><CstmrCdtTrfInitn/></Document>',
    "two statements": camt(statements=2),
    "no statement": f'<Document xmlns="{NS}"><BkToCstmrStmt/></Document>',
    "no entries": camt(entries=0),
    "another account": camt(account="CN9900000000000000000"),
    "in US dollars": camt(currency="USD"),
    "an amount in fullwidth digits": camt(amount=wide("300.00")),
    "an amount in Arabic-Indic digits": camt(amount=arabic("300.00")),
    "an amount with three decimals": camt(amount="300.005"),
    "an amount of sixteen digits": camt(amount="1" * 16 + ".00"),
    "a negative amount": camt(amount="-300.00"),
    "an indicator neither credit nor debit": camt(indicator="CRED"),
    "booked on 0001-01-01": camt(day="0001-01-01"),
    "booked on 9999-12-31": camt(day="9999-12-31"),
    "booked on a 30 February": camt(day="2026-02-30"),
    "1 MB of garbage": "<" * MEGABYTE,
}


BAD_CSV = {
    "no header": row().removeprefix(CSV),
    "only the header": CSV,
    "a header in another order": "reference,date,description,amount,direction\n",
    "a row of four fields": f"{CSV}2026-09-02,X-2,300.00,credit\n",
    "a stray quote": row(reference='"X-2'),
    "a field of 200 kB": row(reference="X" * 200_000),
    "an amount in fullwidth digits": row(amount=wide("300.00")),
    "an amount in Arabic-Indic digits": row(amount=arabic("300.00")),
    "a negative amount": row(amount="-300.00"),
    "booked on 0001-01-01": row(day="0001-01-01"),
    "booked on 9999-12-31": row(day="9999-12-31"),
    "a date in fullwidth digits": row(day=wide("2026-09-02")),
    "a direction neither way": row(direction="credits"),
    "two opening rows": f"{CSV},OPENING,,1.00,credit\n,OPENING,,1.00,credit\n",
    "1 MB of one line": f"{CSV}{'9' * MEGABYTE}\n",
}


def statements() -> list[Case]:
    def upload(form: str, content: str) -> dict:
        return {"format": form, "content": content}

    return [
        *(
            Case(STATEMENTS, f"camt053 {name}", upload("camt053", content))
            for name, content in (HOSTILE_XML | BAD_XML).items()
        ),
        *(
            Case(STATEMENTS, f"csv {name}", upload("csv", content))
            for name, content in BAD_CSV.items()
        ),
        with_(STATEMENTS, "format pdf", format="pdf"),
        with_(STATEMENTS, "format in capitals", format="CSV"),
        with_(STATEMENTS, "content with NUL", content=f"{CSV}\x00"),
        with_(STATEMENTS, "content empty", content=""),
        with_(STATEMENTS, "content over 5 MB", content="9" * 5_000_001),
        with_(STATEMENTS, "camt053 given CSV", format="camt053"),
        Case(STATEMENTS, "csv given camt053", upload("csv", camt())),
    ]


# -- bank statements as banks export them: through a saved bank format -----

MAPPED_HEADER = "交易日期,交易流水号,摘要,借方发生额,贷方发生额\n"


def gbk(rows: str, header=MAPPED_HEADER, encoding="gbk") -> str:
    return base64.b64encode((header + rows).encode(encoding)).decode()


def workbook(*rows: list, formula: str = "") -> str:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["交易日期", "交易流水号", "摘要", "借方发生额", "贷方发生额"])
    for cells in rows:
        sheet.append(cells)
    if formula:
        sheet.append(["20260902", "X-3", "", None, formula])
    out = io.BytesIO()
    book.save(out)
    return base64.b64encode(out.getvalue()).decode()


def zip_bomb() -> str:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b" " * 60_000_000)
    return base64.b64encode(out.getvalue()).decode()


def bank_statements() -> list[Case]:
    def mapped(name: str, content: str, form="csv-mapped", bank="icbc") -> Case:
        body = {"format": form, "bank_format": bank, "content": content}
        return Case(STATEMENTS, name, body)

    good = "20260902,X-2,学费,,300.00\n"
    return [
        mapped("csv-mapped GBK read as UTF-8", gbk(good), bank="icbc-utf8"),
        mapped("csv-mapped UTF-8 read as GBK", gbk(good, encoding="utf-8")),
        mapped("csv-mapped a mapped column missing", gbk(good, "交易日期,摘要\n")),
        mapped("csv-mapped a debit and a credit", gbk("20260902,X-2,,1.00,2.00\n")),
        mapped("csv-mapped neither debit nor credit", gbk("20260902,X-2,,,\n")),
        mapped(
            "csv-mapped in fullwidth digits", gbk(f"20260902,X-2,,,{wide('3.00')}\n")
        ),
        mapped("csv-mapped a date in another format", gbk("2026-09-02,X-2,,,3.00\n")),
        mapped("csv-mapped no entries", gbk("")),
        mapped("csv-mapped not base64", "交易日期"),
        mapped("csv-mapped an unknown bank format", gbk(good), bank="nobody"),
        mapped("csv-mapped a malformed bank format", gbk(good), bank="a b"),
        mapped("csv-mapped a bank format of 41 characters", gbk(good), bank="b" * 41),
        mapped("xlsx a zip bomb", zip_bomb(), "xlsx"),
        mapped("xlsx a formula not cached", workbook(formula="=1+2"), "xlsx"),
        mapped(
            "xlsx a debit and a credit", workbook(["20260902", "X", "", 1, 2]), "xlsx"
        ),
        mapped("xlsx of GBK CSV", gbk(good), "xlsx"),
        mapped(
            "xlsx an old .xls",
            base64.b64encode(b"\xd0\xcf\x11\xe0" * 9).decode(),
            "xlsx",
        ),
        Case(
            STATEMENTS,
            "csv-mapped without a bank format",
            {"format": "csv-mapped", "content": gbk(good)},
        ),
        with_(STATEMENTS, "csv naming a bank format", bank_format="icbc"),
    ]


def bank_formats() -> list[Case]:
    def of(name: str, **changes) -> Case:
        return with_(BANK_FORMATS, name, **changes)

    return [
        of("encoding big5", encoding="big5"),
        of("date format DD/MM/YYYY", date_format="DD/MM/YYYY"),
        of("only a debit column", credit=None),
        of("an amount besides debit and credit", amount="交易金额"),
        of("an amount without a direction", debit=None, credit=None, amount="金额"),
        of(
            "direction marks missing",
            debit=None,
            credit=None,
            amount="金额",
            direction="借贷",
        ),
        of(
            "a mark both ways",
            debit=None,
            credit=None,
            amount="金额",
            direction="借贷",
            credit_marks=["贷"],
            debit_marks=["贷"],
        ),
        of("one column twice", credit="交易日期"),
        of("a column with a line break", date="交易\n日期"),
        of("a column of 61 characters", date="日" * 61),
        of("six description columns", description=["a", "b", "c", "d", "e", "f"]),
    ]


# -- people: names, phones, grades, children, and who is named ------------

BAD_NAMES = {
    "of digits": "12345",
    "in fullwidth digits": wide("12345"),
    "in Arabic-Indic digits": arabic("12345"),
    "with a digit inside": "王2明",
    "of two spaces": "  ",
    "empty": "",
    "only punctuation": "-'·",
    "with a leading space": " 王明",
    "with a trailing space": "王明 ",
    "with two spaces between": "Li  Ming",
    "with an ideographic space": "王\u3000明",
    "with a zero-width space": "王\u200b明",
    "with an underscore": "Li_Ming",
    "with a full stop": "Li. Ming",
    "with an emoji": "王\N{GRINNING FACE}",
    "with NUL": "王\x00明",
    "with ESC": "王\x1b明",
    "with a tab": "王\t明",
    "with a line break": "王\n明",
    "ending in a line break": "王明\n",
    "with DEL": "王\x7f明",
    "with NEL": "王\x85明",
    "half a character": "王\ud800",
    "of 51 letters": "王" * 51,
    "of 1 MB of letters": "a" * MEGABYTE,
    "as a JSON number": 12345,
}
BAD_PHONES = {
    "of letters": "phone-number",
    "of seven digits": "1391234",
    "a mobile of ten digits": "1391234567",
    "a mobile of twelve digits": "139123456789",
    "a mobile beginning 12": "12912345678",
    "a landline without its area code": "12345678",
    "an area code without its 0": "10-12345678",
    "a landline of nine digits": "010-123456789",
    "with two country codes": "+86+8613912345678",
    "with an extension": "010-12345678 ext 5",
    "in fullwidth digits": wide("13912345678"),
    "in Arabic-Indic digits": arabic("13912345678"),
    "with NUL": "139\x0012345678",
    "with a tab": "139\t12345678",
    "ending in a line break": "13912345678\n",
    "with an emoji": "139123456\N{GRINNING FACE}78",
    "only spaces": " " * 11,
    "empty": "",
    "of 21 digits": "1" * 21,
    "as a JSON number": 13912345678,
}
BAD_GRADES = {
    "13": 13,
    "a fullwidth 3": wide("3"),
    "an Arabic-Indic 3": arabic("3"),
    "a Devanagari 3": "\N{DEVANAGARI DIGIT THREE}",
    "in words": "three",
    "empty": "",
    "Infinity": float("inf"),
}
BAD_CLASSES = {
    "with a space": "3 A",
    "with a hyphen": "3-A",
    "empty": "",
    "of nine characters": "3" * 9,
    "in fullwidth": wide("3") + "\N{FULLWIDTH LATIN CAPITAL LETTER A}",
    "in Chinese": "三年级",
    "with NUL": "3\x00",
    "ending in a line break": "3A\n",
    "as a JSON number": 3,
}
BAD_RELATIONS = {
    "in capitals": "Father",
    "unknown": "uncle",
    "in Chinese": "父亲",
    "with a trailing space": "father ",
    "with NUL": "father\x00",
    "empty": "",
    "as a JSON number": 1,
}
BAD_CHILDREN = {
    "a string": "a",
    "an object": {"a": 1},
    "empty": [],
    "11 students": [f"s{n}" for n in range(11)],
    "100000 students": ["a"] * 100_000,
    "a student id with a space": ["a b"],
    "a student id with NUL": ["a\x00"],
    "a student id with a leading dash": ["-a"],
    "a student id in fullwidth": ["\N{FULLWIDTH LATIN SMALL LETTER A}"],
    "a student id of 65 characters": ["a" * 65],
    "a student id empty": [""],
    "a student id as a number": [1],
    "a student id null": [None],
    "a student id as an object": [{"student_id": "a"}],
    "a student twice": ["a", "a"],
}
BAD_ACCOUNTS = {
    "of 41 characters": "6" * 41,
    "of three characters": "622",
    "in fullwidth digits": wide("6222020200112233445"),
    "with a line break": "6222\n020200112233445",
    "ending in a space": "6222020200112233445 ",
    "with NUL": "6222\x00020200112233445",
    "empty": "",
    "as a JSON number": 6222020200112233445,
}
BAD_REFS = {
    "in fullwidth": "\N{FULLWIDTH LATIN SMALL LETTER A}",
    "with a leading dash": "-a",
    "of 65 characters": "a" * 65,
    "of NUL": "%00",
    "in Chinese": "王小明",
}
NAMES = {STUDENTS: ["name"], GUARDIANS: ["name"], TEACHERS: ["name"]}
PHONES = {GUARDIANS: ["phone"], TEACHERS: ["phone"]}


def people() -> list[Case]:
    def named(route: str, what: str, name: str, value) -> Case:
        return Case(route, f"{what} {name}", WITH_BODY[route], path={what: value})

    teacher_ids = {
        "in fullwidth digits": wide(UNKNOWN),
        "of NUL": "%00",
        "of 8 kB": "f" * 8000,
        "a student's id": "a",
    }
    return [
        *values(NAMES, BAD_NAMES),
        *values(PHONES, BAD_PHONES),
        *values({STUDENTS: ["grade"]}, BAD_INTS | BAD_GRADES),
        *values({STUDENTS: ["class_name"]}, BAD_CLASSES),
        *values({GUARDIANS: ["relation"]}, BAD_RELATIONS),
        *values({GUARDIANS: ["children"]}, BAD_CHILDREN),
        *values({TEACHERS: ["payee_account"]}, BAD_ACCOUNTS),
        *(
            named(route, what, name, value)
            for route, what in ((STUDENTS, "student_id"), (GUARDIANS, "code"))
            for name, value in BAD_REFS.items()
        ),
        *(named(TEACHERS, "teacher_id", n, v) for n, v in teacher_ids.items()),
        named(STUDENTS, "student_id", "of a student erased", "e"),
    ]


def erasures() -> list[Case]:
    def of(route: str, name: str, person: str | Known) -> Case:
        return Case(route, name, path={"person_id": person})

    return [
        of(ERASURE, "person_id with a trailing character", UNKNOWN + "0"),
        of(ERASURE, "person_id of 31 digits", UNKNOWN[:-1]),
        of(ERASURE, "person_id in Arabic-Indic digits", arabic(UNKNOWN)),
        of(ERASURE, "of a person asked for already", Known("asked_id")),
        of(ERASURE, "of a person erased", Known("erased_id")),
        of(ERASURE, "of a person of another school", Known("stranger_id")),
        of(APPROVAL, "person_id with a trailing character", UNKNOWN + "0"),
        of(APPROVAL, "person_id of 31 digits", UNKNOWN[:-1]),
        of(APPROVAL, "not asked for", Known("teacher_person_id")),
        of(APPROVAL, "of a student with money in flight", Known("student_person_id")),
        of(APPROVAL, "of an erasure done", Known("erased_id")),
        of(APPROVAL, "of a person of another school", Known("stranger_id")),
    ]


# -- login codes: who is given one, and what is exchanged for a token --------

BAD_LOGIN_CODES = {
    "with NUL": "K7M2P\x00Q9XRT",
    "with ESC": "K7M2P\x1bQ9XRT",
    "with a tab for the dash": "K7M2P\tQ9XRT",
    "with DEL": "K7M2P\x7fQ9XRT",
    "with NEL": "K7M2P\x85Q9XRT",
    "ending in a line break": "K7M2P-Q9XRT\n",
    "with a leading space": " K7M2P-Q9XRT",
    "with a trailing space": "K7M2P-Q9XRT ",
    "with a space for the dash": "K7M2P Q9XRT",
    "with a zero-width space": "K7M2P-\u200bQ9XRT",
    "with a Unicode hyphen": "K7M2P\N{HYPHEN}Q9XRT",
    "with an en dash": "K7M2P\N{EN DASH}Q9XRT",
    "with a fullwidth hyphen": "K7M2P\N{FULLWIDTH HYPHEN-MINUS}Q9XRT",
    "with an underscore": "K7M2P_Q9XRT",
    "with two dashes": "K7M2P--Q9XRT",
    "with the dash moved": "K7M2-PQ9XRT",
    "with a 0": "K7M20-Q9XRT",
    "with a 1": "K7M21-Q9XRT",
    "in fullwidth digits": wide("K7M2P-Q9XRT"),
    "in Arabic-Indic digits": arabic("K7M2P-Q9XRT"),
    "with a Devanagari digit": "K\N{DEVANAGARI DIGIT SEVEN}M2P-Q9XRT",
    "with a fullwidth letter": "\N{FULLWIDTH LATIN CAPITAL LETTER K}7M2P-Q9XRT",
    "with a Cyrillic letter": "\N{CYRILLIC CAPITAL LETTER KA}7M2P-Q9XRT",
    "with a Greek letter": "K7M2P-Q9X\N{GREEK CAPITAL LETTER RHO}T",
    "with a Kelvin sign": "\N{KELVIN SIGN}7M2P-Q9XRT",
    "with an accented letter": "K7M2P-Q9XR\N{LATIN CAPITAL LETTER T WITH CARON}",
    "with an emoji": "K7M2P-Q9XR\N{GRINNING FACE}",
    "half a character": "K7M2P-Q9XR\ud800",
    "of nine characters": "K7M2P-Q9XR",
    "of eleven characters": "K7M2P-Q9XRTT",
    "with the dash at the end": "K7M2PQ9XRT-",
    "twice": "K7M2P-Q9XRT K7M2P-Q9XRT",
    "of 8 kB": "K" * 8000,
    "empty": "",
    "only a dash": "-",
    "percent-encoded": "K7M2P%2DQ9XRT",
    "quoted for SQL": "K7M2P'--",
    "a token": "fl_" + "k" * 43,
    "as a JSON number": 2345623456,
    "true": True,
    "a list": ["K7M2P-Q9XRT"],
    "an object": {"login_code": "K7M2P-Q9XRT"},
}
NOT_VALID_LOGIN_CODES = {
    "never issued": "K7M2P-Q9XRT",
    "never issued, without its dash": "K7M2PQ9XRT",
    "never issued, in lowercase": "k7m2p-q9xrt",
    "used already": Known("used_code"),
    "used already, without its dash": Known("used_code_undashed"),
    "expired": Known("expired_code"),
}
"""Well-formed codes that are no code to exchange: the route answers those,
to anyone, as it answers a token that is not valid."""
MULTIPART = "multipart/form-data; boundary=x"


def logins() -> list[Case]:
    def not_valid(name: str, code: str | Known) -> Case:
        body = {"login_code": code}
        return Case(LOGIN, f"a code {name}", body, refused_as="unauthenticated")

    form = b'--x\r\nContent-Disposition: form-data; name="login_code"\r\n\r\n'
    return [
        *values({LOGIN: ["login_code"]}, BAD_LOGIN_CODES),
        *(not_valid(name, code) for name, code in NOT_VALID_LOGIN_CODES.items()),
        Case(LOGIN, "no body at all"),
        raw(LOGIN, "as multipart", form + b"K7M2P-Q9XRT\r\n--x--\r\n", MULTIPART),
        with_(LOGIN, "a role asked for", role="school_admin"),
        with_(LOGIN, "a school asked for", school=SCHOOL),
        with_(LOGIN, "a subject asked for", subject="g-a"),
    ]


def login_codes() -> list[Case]:
    def of(name: str, code: str | Known, **path) -> Case:
        return Case(LOGIN_CODE, name, path={"code": code, **path})

    return [
        of("of a code not recorded", "g-b"),
        of("of a code in capitals", "G-A"),
        of("of a code with a full stop after it", "g-a."),
        of("of a guardian erased", "g-e"),
        of("of a guardian of another school", "g-z"),
        of("of a guardian, at their school not ours", "g-z", school_id=ELSEWHERE),
        of("of our guardian, at another school", "g-a", school_id=ELSEWHERE),
        of("of a student", "a"),
        of("of a teacher", TEACHER),
        of("of a guardian's person id", Known("asked_id")),
        of("school_id of 31 digits", "g-a", school_id=UNKNOWN[:-1]),
        *(
            of(f"code {name}", value)
            for name, value in BAD_REFS.items()
            if name != "of NUL"  # as without_body sends it
        ),
        Case(
            LOGIN_CODE,
            "a body of 1 MB, for a code not recorded",
            {"x": HUGE},
            path={"code": "g-b"},
        ),
    ]


def disputes() -> list[Case]:
    answered = {"dispute_id": Known("rejected_id")}
    return [
        with_(CONFIRMATIONS, "a session not delivered", day="2026-09-07"),
        with_(CONFIRMATIONS, "a student not enrolled", student_id="b"),
        with_(CONFIRMATIONS, "earlier_too maybe", earlier_too="maybe"),
        with_(CONFIRMATIONS, "a session disputed", day=DISPUTED["dispute_id"]),
        with_(DISPUTES, "unknown grounds", grounds="bored"),
        with_(DISPUTES, "grounds in capitals", grounds="ABSENT"),
        with_(DISPUTES, "grounds in Chinese", grounds="缺席"),
        with_(DISPUTES, "a session disputed already", day=DISPUTED["dispute_id"]),
        with_(DISPUTES, "a session not delivered", day="2026-09-07"),
        with_(DISPUTES, "a reason of 501 characters", reason="x" * 501),
        with_(DISPUTES, "a reason with NUL", reason="a\x00b"),
        with_(DISPUTES, "a student of another school", student_id="z"),
        with_(ANSWER, "a rejection with blank evidence", evidence=" "),
        with_(ANSWER, "evidence of 501 characters", evidence="x" * 501),
        with_(ANSWER, "accept maybe", accept="maybe"),
        Case(ANSWER, "of a dispute answered", WITH_BODY[ANSWER], path=answered),
        with_(DECISION, "upheld maybe", upheld="maybe"),
        with_(DECISION, "a note of 501 characters", note="x" * 501),
        Case(
            DECISION, "of a dispute not escalated", WITH_BODY[DECISION], path=answered
        ),
    ]


def without_bodies_refused_by_a_rule() -> list[Case]:
    return [
        Case(
            ESCALATION,
            "of a dispute not rejected",
            path={"dispute_id": Known("dispute_id")},
        ),
        Case(
            ESCALATION,
            "of a dispute escalated",
            path={"dispute_id": Known("escalated_id")},
        ),
        Case("/refunds/{refund_id}/approval", "by the bursar who asked for it"),
        Case("/payroll/{run_id}/approval", "by the bursar who drafted it"),
        Case("/terms/{term_id}/surplus-report", "before the term has ended"),
        Case("/terms/{term_id}/registration-window/closure", "when it is not open"),
        Case("/leave-requests/{request_id}/approval", "of a request declined"),
        Case("/leave-requests/{request_id}/refusal", "of a request declined"),
    ]


def corpus() -> list[Case]:
    cases = []
    for route, (_, body) in ROUTES.items():
        cases += paths_and_keys(route, body)
        cases += shapes(route, body) + per_field(route, body) if body else []
        cases += [] if body else without_body(route)
    return [
        *cases,
        *values(AMOUNTS, BAD_AMOUNTS),
        *values(TEXTS, BAD_TEXT),
        *values(CODES, BAD_CODES),
        *values(DATES, BAD_DATES),
        *values(INTS, BAD_INTS),
        *payments(),
        *reallocations(),
        *terms_and_courses(),
        *register(),
        *registration(),
        *ratings(),
        *sessions(),
        *payroll(),
        *refunds(),
        *accounts(),
        *statements(),
        *bank_statements(),
        *bank_formats(),
        *people(),
        *erasures(),
        *logins(),
        *login_codes(),
        *disputes(),
        *without_bodies_refused_by_a_rule(),
    ]


CASES = corpus()
ACCEPTED_PATHS = {
    ERASURE: {"person_id": Known("teacher_person_id")},
    APPROVAL: {"person_id": Known("asked_id")},
    ESCALATION: {"dispute_id": Known("rejected_id")},
    DECISION: {"dispute_id": Known("escalated_id")},
}
"""The people whose erasure each route would accept: a teacher nobody asked
to erase, and a guardian whose erasure is asked for."""
REGISTRY = """
SELECT md5(coalesce(string_agg(concat_ws(',', p.person_id, p.updated_at,
           p.erased_at, md5(p.record), k.person_id), ';' ORDER BY p.person_id), ''))
       || md5(coalesce((SELECT string_agg(concat_ws(',', guardian_id, student_id),
           ';' ORDER BY guardian_id, student_id) FROM guardian_children), ''))
  FROM people p FULL JOIN person_keys k USING (person_id)
"""
SIGN_INS = """
SELECT concat_ws(',', count(*), max(created_at), count(used_at),
           (SELECT concat_ws(',', count(*), max(created_at)) FROM api_tokens))
  FROM login_codes
"""


class Fund:
    """School PC-301 with a term, a teacher, a course, a student with credit,
    a delivered session, a supervised account, a payment, a refund asked for,
    a subsidy and a drafted payroll; people in the registry, erasures asked
    for and two done; a login code used and one expired; a token for each
    write route."""

    def __init__(self, served) -> None:
        self.served = served
        self.clients: dict[str, httpx.Client] = {}
        self.ids: dict[str, str] = {"student_id": "a", "code": "g-a", "day": DAY}
        self.ids["format_name"] = "new-bank"
        self.admin = self.token_client("set-up admin", ADMIN, SCHOOL)
        self.bursar = self.token_client("set-up bursar", BURSAR, SCHOOL)
        self.regulator = self.token_client("set-up regulator", REGULATOR, SCHOOL)
        self.registry = psycopg.connect(
            served.system.database.conninfo, autocommit=True
        )

    def token_client(self, subject: str, role: Role, school: str) -> httpx.Client:
        if role is REGULATOR:  # the district's, over no school in particular
            token = self.served.token(subject, role, district=DISTRICT)
        else:
            scope = {"district": DISTRICT} if role is ADMIN else {}
            token = self.served.token(subject, role, schools=[school], **scope)
        return self.served.client(token)

    def client(self, route: str) -> httpx.Client:
        """The route's own token, so no route runs into another's rate limit."""
        if route not in self.clients:
            school = "PC-302" if route == "/schools" else SCHOOL
            role = ROUTES[route][0]
            subject = SUBJECTS.get(route, route)
            self.clients[route] = (
                self.token_client(subject, role, school)
                if role
                else self.served.client()
            )
        return self.clients[route]

    def head(self) -> int:
        return self.served.system.funds.head()

    def people(self) -> str:
        """A fingerprint of the registry: its people, their keys, the links
        of guardians to children."""
        return self.registry.execute(REGISTRY).fetchone()[0]

    def sign_ins(self) -> str:
        """A fingerprint of the login codes issued and used, and the tokens."""
        return self.registry.execute(SIGN_INS).fetchone()[0]

    def record(
        self, kind: Kind, ref: str, record: dict, name: str, children=(), school=""
    ) -> None:
        school_id = UUID(school or self.ids["school_id"])
        registry = self.served.system.registry
        self.ids[name] = str(registry.record(school_id, kind, ref, record, children))

    def set_up(self, client, route: str, body: dict | None, name: str = "") -> None:
        path = "/v1" + route.format(**self.ids)
        response = client.post(path, json=fill(body, self.ids))
        assert response.status_code in (200, 201), response.text
        if name:
            self.ids[name] = response.json()["id"]

    def send(self, case: Case) -> httpx.Response:
        named = ACCEPTED_PATHS.get(case.route, {}) | case.path
        ids = self.ids | {k: fill(v, self.ids) for k, v in named.items()}
        path = "/v1" + case.route.format(**ids)
        headers = dict(case.headers)
        content = case.raw
        if content is None and case.body is not None:
            content = json.dumps(fill(case.body, self.ids)).encode()
        if content is not None:
            headers["Content-Type"] = case.content_type
        client = self.client(case.route)
        return client.request(case.method, path, content=content, headers=headers)


@pytest.fixture(scope="module")
def fund(empty):
    """The refund and the payroll are asked for with the tokens their approval
    cases use, so approving them is refused as the same person's."""
    f = Fund(empty)
    admin, bursar = f.admin, f.bursar
    school = {"district": DISTRICT, "code": SCHOOL, "name": "Heping Street Primary"}
    f.set_up(admin, "/schools", school, "school_id")
    term = {
        "code": "T",
        "starts": DAY,
        "ends": "2027-01-15",
        "fee_per_term": "300.00",
        "fee_cap": "360.00",
        "planned_sessions": 10,
    }
    f.set_up(admin, "/schools/{school_id}/terms", term, "term_id")
    teacher = {"code": "wang", "kind": "staff", "rate": "50.00", "since": DAY}
    f.set_up(admin, "/schools/{school_id}/teachers", teacher, "teacher_id")
    course = {
        "code": "C1",
        "name": "Chess",
        "category": "science",
        "capacity": 30,
        "teacher_id": TEACHER,
    }
    f.set_up(admin, "/terms/{term_id}/courses", course, "course_id")
    f.set_up(admin, "/courses/{course_id}/enrolments", {"student_id": "a", "on": DAY})
    f.set_up(admin, SESSIONS, WITH_BODY[SESSIONS] | {"day": DAY})
    leave = "/courses/{course_id}/enrolments/{student_id}/leave-requests"
    f.set_up(admin, leave, {"dates": ["2026-12-16"]}, "request_id")
    f.set_up(admin, "/leave-requests/{request_id}/refusal", None)
    f.set_up(bursar, "/schools/{school_id}/bank-account", {"account": ACCOUNT})
    save_bank_formats(f)
    paid = WITH_BODY[PAYMENTS] | {"amount": "400.00", "reference": "W-1"}
    f.set_up(bursar, PAYMENTS, paid, "payment_id")
    refund = WITH_BODY["/schools/{school_id}/refunds"] | {"reference": "RF-1"}
    asker = f.client("/refunds/{refund_id}/approval")
    f.set_up(asker, "/schools/{school_id}/refunds", refund, "refund_id")
    grant = WITH_BODY["/schools/{school_id}/subsidies"] | {"reference": "GRANT-1"}
    f.set_up(bursar, "/schools/{school_id}/subsidies", grant, "grant_id")
    drafter = f.client("/payroll/{run_id}/approval")
    f.set_up(drafter, "/schools/{school_id}/payroll", {"month": "2026-09"}, "run_id")
    register_people(f)
    issue_login_codes(f)
    dispute_three_sessions(f)
    for route in ROUTES:  # every token issued before the first case is sent
        f.client(route)
    yield f
    for client in (admin, bursar, f.regulator, *f.clients.values()):
        client.close()
    f.registry.close()


def save_bank_formats(f: Fund) -> None:
    """The mappings the statement cases name: a GBK export of 借方/贷方
    columns, and the same read as UTF-8."""
    for name, encoding in (("icbc", "gbk"), ("icbc-utf8", "utf-8")):
        body = WITH_BODY[BANK_FORMATS] | {"encoding": encoding}
        path = "/v1" + BANK_FORMATS.format(**f.ids | {"format_name": name})
        assert f.bursar.put(path, json=body).status_code == 200


def register_people(f: Fund) -> None:
    """Student a (with credit) and guardian g-a asked to be erased, teacher
    wang not; student e and guardian g-e erased; a student and guardian g-z
    of another school."""
    student, guardian, teacher = (WITH_BODY[route] for route in PEOPLE)
    guardian = {k: v for k, v in guardian.items() if k != "children"}
    f.record(Kind.STUDENT, "a", student, "student_person_id")
    f.record(Kind.GUARDIAN, "g-a", guardian, "asked_id", children=["a"])
    f.record(Kind.TEACHER, f.ids["teacher_id"], teacher, "teacher_person_id")
    f.record(Kind.STUDENT, "e", student, "erased_id")
    f.record(Kind.STUDENT, "z", student, "stranger_id", school=ELSEWHERE)
    f.record(Kind.GUARDIAN, "g-z", guardian, "stranger_guardian_id", school=ELSEWHERE)
    f.record(Kind.GUARDIAN, "g-e", guardian, "erased_guardian_id")
    for person in ("student_person_id", "asked_id", "erased_id", "erased_guardian_id"):
        f.set_up(f.admin, ERASURE.replace("{person_id}", f.ids[person]), None)
    f.served.system.projector.catch_up()  # the regulator's district holds PC-301
    for person in ("erased_id", "erased_guardian_id"):
        f.set_up(f.regulator, APPROVAL.replace("{person_id}", f.ids[person]), None)


def dispute_three_sessions(f: Fund) -> None:
    """Student a disputes three sessions: one stays open, the school rejects
    the second, and the third, rejected, is escalated by guardian g-a."""
    for name, day in DISPUTED.items():
        f.set_up(f.admin, SESSIONS, WITH_BODY[SESSIONS] | {"day": day})
        f.set_up(f.admin, DISPUTES, WITH_BODY[DISPUTES] | {"day": day}, name)
    for name in ("rejected_id", "escalated_id"):
        answer = {"accept": False, "evidence": "the sign-in sheet"}
        f.set_up(f.bursar, ANSWER.replace("{dispute_id}", f.ids[name]), answer)
    f.set_up(
        f.client(ESCALATION),
        ESCALATION.replace("{dispute_id}", f.ids["escalated_id"]),
        None,
    )


def issue_login_codes(f: Fund) -> None:
    """Guardian g-a is given a code and exchanges it, and is given another
    that runs out unused."""
    issue = "/v1" + LOGIN_CODE.format(**f.ids)
    used, expired = (f.admin.post(issue).json()["login_code"] for _ in range(2))
    with f.served.client() as anyone:
        response = anyone.post("/v1/login", json={"login_code": used})
        assert response.status_code == 201, response.text
    f.registry.execute(
        "UPDATE login_codes SET expires_at = now() - interval '1 minute'"
        " WHERE code_hash = %s",
        (digest(expired.replace("-", "")),),
    )
    f.ids |= {
        "used_code": used,
        "used_code_undashed": used.replace("-", ""),
        "expired_code": expired,
    }


def write_operations(fund: Fund) -> dict[tuple[str, str], dict]:
    paths = fund.admin.get("/openapi.json").json()["paths"]
    return {
        (method, path.removeprefix("/v1")): operation
        for path, operations in paths.items()
        for method, operation in operations.items()
        if method in WRITES
    }


def test_every_write_route_that_reads_input_has_its_share_of_the_corpus(
    fund, record_property
):
    operations = write_operations(fund)
    # A route that reads no parameter and no body has nothing to spoil.
    blind = {k for k, op in operations.items() if not reads_input(op)}
    counts = Counter(case.route for case in CASES)
    record_property("cases_per_route", dict(counts))
    record_property("write_routes_without_input", sorted(blind))
    print(f"{len(CASES)} bad requests:", *sorted(counts.items()), sep="\n  ")
    print("write routes that read no input:", *sorted(blind), sep="\n  ")
    methods = {(method_of(route), route) for route in ROUTES}
    assert methods == set(operations) - blind
    assert {route for route, n in counts.items() if n >= PER_ROUTE} == set(ROUTES)
    assert len(CASES) >= AT_LEAST
    assert len({case.id for case in CASES}) == len(CASES)


def test_the_routes_sent_no_key_read_none(fund):
    operations = write_operations(fund)
    keyed = {
        route
        for (_, route), operation in operations.items()
        if any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", []))
    }
    assert set(ROUTES) - KEYLESS == keyed


def reads_input(operation: dict) -> bool:
    return bool(operation.get("parameters") or operation.get("requestBody"))


def test_each_body_the_corpus_spoils_is_a_valid_request(fund):
    paths = fund.admin.get("/openapi.json").json()["paths"]
    for route, body in WITH_BODY.items():
        schema = paths["/v1" + route][method_of(route)]["requestBody"]["content"]
        model = schema["application/json"]["schema"]["$ref"].rpartition("/")[2]
        getattr(api.requests, model).model_validate(fill(body, fund.ids))


# Defects of the routes, not of the corpus: strict, so a fix shows up here.
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_a_bad_request_is_refused_with_a_4xx_and_writes_nothing(fund, case):
    before, people, sign_ins = fund.head(), fund.people(), fund.sign_ins()
    response = fund.send(case)
    assert 400 <= response.status_code < 500, response.text[:2000]
    assert response.headers["content-type"] == PROBLEM, response.text[:2000]
    kind = response.json()["type"].rpartition("/")[2]
    if case.refused_as:
        assert kind == case.refused_as, response.text[:2000]
    else:
        assert kind not in NOT_REACHED, response.text[:2000]
    assert fund.head() == before
    assert fund.people() == people
    assert fund.sign_ins() == sign_ins
