"""Every route, for every role, in scope and out of scope, from the app's own route
table. A route without an entry in ALLOWED fails this test."""

import hashlib
from datetime import date, datetime, time

import pytest

from application import commands as c
from application.bus import MessageBus
from domain.bank import BankStatement
from domain.course import BEIJING, Course
from domain.dispute import Dispute
from domain.facts import Actor
from domain.leave import LeaveRequest
from domain.payment import Payment
from domain.payroll import PayrollRun
from domain.person import Kind, person_id_for
from domain.refund import Refund
from domain.school import School, Term
from domain.subsidy import SubsidyGrant
from domain.teacher import Teacher
from infra.tokens import Role

SEPTEMBER = date(2026, 9, 1)
TODAY = datetime.now(BEIJING).date()
LEAVE = (date(2027, 1, 8),)
STATEMENT = b"date,reference,description,amount,direction\n2026-09-01,X,,1.00,credit\n"
STATEMENT_SHA = hashlib.sha256(STATEMENT).hexdigest()
BANK_FORMAT = {
    "encoding": "gbk",
    "date_format": "YYYYMMDD",
    "date": "交易日期",
    "reference": "交易流水号",
    "debit": "借方发生额",
    "credit": "贷方发生额",
}
R, A, B, S = Role.REGULATOR, Role.AUDITOR, Role.BURSAR, Role.SCHOOL_ADMIN
G = Role.GUARDIAN
READ = {R, A, B, S}
ALLOWED = {
    ("POST", "/v1/schools"): {S},
    ("POST", "/v1/schools/{school_id}/terms"): {S},
    ("POST", "/v1/schools/{school_id}/teachers"): {S},
    ("POST", "/v1/teachers/{teacher_id}/rates"): {S},
    ("POST", "/v1/terms/{term_id}/courses"): {S},
    ("POST", "/v1/courses/{course_id}/enrolments"): {S},
    ("POST", "/v1/courses/{course_id}/enrolments/{student_id}/leave"): {S},
    ("POST", "/v1/courses/{course_id}/enrolments/{student_id}/withdrawal"): {S},
    ("POST", "/v1/courses/{course_id}/enrolments/{student_id}/waiver"): {S},
    ("POST", "/v1/terms/{term_id}/registration-window"): {S},
    ("POST", "/v1/terms/{term_id}/registration-window/closure"): {S},
    ("POST", "/v1/terms/{term_id}/registrations"): {S, G},
    ("POST", "/v1/courses/{course_id}/waiting-list/departures"): {S, G},
    ("POST", "/v1/courses/{course_id}/enrolments/{student_id}/leave-requests"): {
        S,
        G,
    },
    ("POST", "/v1/courses/{course_id}/ratings"): {S, G},
    ("POST", "/v1/leave-requests/{request_id}/approval"): {S},
    ("POST", "/v1/leave-requests/{request_id}/refusal"): {S},
    ("GET", "/v1/terms/{term_id}/registrations"): READ,
    ("GET", "/v1/courses/{course_id}/waiting-list"): READ,
    ("GET", "/v1/courses/{course_id}/leave-requests"): READ,
    ("POST", "/v1/courses/{course_id}/sessions"): {S},
    ("POST", "/v1/courses/{course_id}/sessions/{day}/reversal"): {S},
    ("POST", "/v1/schools/{school_id}/payments"): {B},
    ("POST", "/v1/payments/{payment_id}/reallocation"): {B},
    ("POST", "/v1/schools/{school_id}/refunds"): {B},
    ("POST", "/v1/refunds/{refund_id}/approval"): {B},
    ("POST", "/v1/refunds/{refund_id}/cancellation"): {B},
    ("POST", "/v1/terms/{term_id}/surplus-report"): {B},
    ("POST", "/v1/refunds/{refund_id}/payment"): {B},
    ("POST", "/v1/schools/{school_id}/subsidies"): {B},
    ("POST", "/v1/subsidies/{grant_id}/allocations"): {B},
    ("POST", "/v1/schools/{school_id}/payroll"): {B},
    ("POST", "/v1/payroll/{run_id}/approval"): {B},
    ("POST", "/v1/payroll/{run_id}/payment"): {B},
    ("GET", "/v1/payroll/{run_id}"): READ,
    ("GET", "/v1/payroll/{run_id}/payslips"): READ,
    ("GET", "/v1/schools/{school_id}/payroll/{month}"): READ,
    ("GET", "/v1/teachers/{teacher_id}/pay/{month}"): READ,
    ("GET", "/v1/schools/{school_id}/compliance"): READ,
    ("GET", "/v1/districts/{district}/compliance"): READ,
    ("GET", "/v1/schools/{school_id}/satisfaction"): READ,
    ("GET", "/v1/districts/{district}/satisfaction"): READ,
    ("GET", "/v1/districts/{district}/funds"): READ,
    ("GET", "/v1/rollup/districts"): {R, A},
    ("GET", "/v1/rollup/funds"): {R, A},
    ("GET", "/v1/rollup/findings"): {R, A},
    ("GET", "/v1/rollup/satisfaction"): {R, A},
    ("GET", "/v1/schools/{school_id}/fund"): READ,
    ("GET", "/v1/schools/{school_id}/students"): READ,
    ("GET", "/v1/schools/{school_id}/students/{student_id}/balance"): READ | {G},
    ("GET", "/v1/schools/{school_id}/students/{student_id}/statement"): READ,
    ("GET", "/v1/courses/{course_id}/balance"): READ,
    ("GET", "/v1/ledger/trial-balance"): READ,
    ("GET", "/v1/schools/{school_id}/ledger/entries"): READ,
    ("GET", "/v1/history/{entity_id}"): READ,
    ("POST", "/v1/schools/{school_id}/bank-account"): {B},
    ("POST", "/v1/schools/{school_id}/bank-statements"): {B},
    ("PUT", "/v1/schools/{school_id}/bank-formats/{format_name}"): {B},
    ("GET", "/v1/schools/{school_id}/bank-formats"): READ,
    ("GET", "/v1/schools/{school_id}/bank-statements/{statement}/reconciliation"): READ,
    ("GET", "/v1/audit/verify"): {R, A},
    ("POST", "/v1/audit/verify/whole"): {R, A},
    ("GET", "/v1/audit/consistency"): {R, A},
    ("GET", "/v1/audit/runs"): {R, A},
    ("GET", "/v1/audit/alerts"): {R, A},
    ("GET", "/v1/audit/anomalies"): {R, A},
    ("GET", "/v1/audit/proof/{position}"): {R, A},
    ("GET", "/v1/schools/{school_id}/payments/trace"): READ,
    ("PUT", "/v1/schools/{school_id}/people/students/{student_id}"): {S},
    ("PUT", "/v1/schools/{school_id}/people/guardians/{code}"): {S},
    ("PUT", "/v1/schools/{school_id}/people/teachers/{teacher_id}"): {S},
    ("GET", "/v1/people/{person_id}"): READ | {G},
    ("GET", "/v1/schools/{school_id}/people"): {S},
    ("GET", "/v1/schools/{school_id}/personal-data-reads"): {R, A},
    ("POST", "/v1/people/{person_id}/erasure"): {S},
    ("POST", "/v1/people/{person_id}/erasure/approval"): {R},
    ("GET", "/v1/guardian/children"): {G},
    ("GET", "/v1/guardian/registration"): {G},
    ("POST", "/v1/schools/{school_id}/people/guardians/{code}/login-code"): {S},
    ("POST", "/v1/login"): {R, A, B, S, G},  # and anyone without a token
    ("GET", "/v1/refunds/{refund_id}/reason"): {B, S},
    ("POST", "/v1/courses/{course_id}/confirmations"): {S, G},
    ("POST", "/v1/courses/{course_id}/disputes"): {S, G},
    ("POST", "/v1/disputes/{dispute_id}/answer"): {B, S},
    ("POST", "/v1/disputes/{dispute_id}/escalation"): {G},
    ("POST", "/v1/disputes/{dispute_id}/decision"): {R},
    ("GET", "/v1/guardian/shares"): {G},
    ("GET", "/v1/schools/{school_id}/students/{student_id}/shares"): READ,
    ("GET", "/v1/schools/{school_id}/disputes"): READ,
    ("GET", "/v1/districts/{district}/disputes"): {R},
    ("GET", "/v1/districts/{district}/schools"): READ,
    ("GET", "/v1/schools/{school_id}/terms"): READ,
    ("GET", "/v1/terms/{term_id}/courses"): READ,
    ("GET", "/v1/schools/{school_id}/teachers"): READ,
    ("GET", "/v1/courses/{course_id}/enrolments"): READ,
    ("GET", "/v1/schools/{school_id}/payments"): READ,
    ("GET", "/v1/schools/{school_id}/refunds"): READ,
    ("GET", "/v1/schools/{school_id}/payroll"): READ,
    ("GET", "/v1/schools/{school_id}/subsidies"): READ,
    ("GET", "/v1/schools/{school_id}/bank-statements"): READ,
}
# Routes about the whole log rather than a school: no scope to stay inside.
UNSCOPED = {
    ("GET", "/v1/audit/verify"),
    ("POST", "/v1/audit/verify/whole"),
    ("GET", "/v1/audit/consistency"),
    ("GET", "/v1/audit/runs"),
    ("GET", "/v1/audit/alerts"),  # those of other schools are left out
    ("GET", "/v1/guardian/children"),  # their own, wherever they are
    ("GET", "/v1/guardian/registration"),  # their school's
    ("GET", "/v1/guardian/shares"),  # their own children's
    # the districts of a token's city or province (tests/integration/test_rollup.py)
    ("GET", "/v1/rollup/districts"),
    ("GET", "/v1/rollup/funds"),
    ("GET", "/v1/rollup/findings"),
    ("GET", "/v1/rollup/satisfaction"),
    ("POST", "/v1/login"),
}
# Routes for someone who has no token yet.
PUBLIC = {("POST", "/v1/login")}


class Place:
    """The ids of one school's things, to fill a route's path and body."""

    def __init__(
        self, district: str, code: str, student: str, payment: tuple[str, str]
    ) -> None:
        self.district, self.code, self.student = district, code, student
        self.school_id = School.id_for(code)
        self.term_id = Term.id_for(self.school_id, "2026-autumn")
        self.teacher_id = Teacher.id_for(self.school_id, "T01")
        self.course_id = Course.id_for(self.term_id, "HW-3A")
        self.grant_id = SubsidyGrant.id_for(self.school_id, f"{code}-GRANT-2026")
        self.refund_id = Refund.id_for(self.school_id, f"{code}-RF-{code}-S005")
        self.run_id = PayrollRun.id_for(self.school_id, SEPTEMBER)
        self.channel, self.payment_reference = payment
        self.payment_id = Payment.id_for(self.school_id, *payment)
        self.statement = BankStatement.id_for(self.school_id, STATEMENT_SHA)
        self.guardian = f"G-{code}"
        self.person_id = person_id_for(self.school_id, Kind.STUDENT, student)
        self.request_id = LeaveRequest.id_for(self.course_id, student, LEAVE)
        self.position = 0  # of an event about the school, once it is recorded
        self.disputed = TODAY  # the day of the session its dispute is about

    def path(self, template: str) -> str:
        return template.format(**self.values())

    def values(self) -> dict[str, object]:
        ids = {
            "school_id": self.school_id,
            "term_id": self.term_id,
            "teacher_id": self.teacher_id,
            "course_id": self.course_id,
            "grant_id": self.grant_id,
            "refund_id": self.refund_id,
            "payment_id": self.payment_id,
            "run_id": self.run_id,
            "month": "2026-09",
            "entity_id": self.course_id,
            "student_id": self.student,
            "district": self.district,
            "day": "2026-09-01",
            "position": self.position,
            "statement": self.statement,
            "person_id": self.person_id,
            "code": self.guardian,
            "request_id": self.request_id,
            "format_name": "icbc",
            "dispute_id": Dispute.id_for(
                Course.session_id_for(self.course_id, self.disputed), self.student
            ),
        }
        return {name: str(value) for name, value in ids.items()}

    def query(self, template: str) -> dict[str, str]:
        if template.endswith("/payments/trace"):
            return {"channel": self.channel, "reference": self.payment_reference}
        if template.endswith("/audit/consistency"):
            return {"old_size": "1"}
        return {"school_id": str(self.school_id)} if "{" not in template else {}

    def body(self, method: str, template: str, role: Role) -> dict | None:
        if template.endswith("/bank-formats/{format_name}"):
            return BANK_FORMAT
        if method == "PUT":
            return self.record(template)
        tail = template.rsplit("/", 1)[-1]
        tag = f"M{role.value[:3]}"
        bodies = {
            "schools": {"district": self.district, "code": self.code, "name": "X"},
            "terms": {
                "code": tag,
                "starts": "2026-09-01",
                "ends": "2027-01-15",
                "fee_per_term": "360.00",
                "fee_cap": "360.00",
                "planned_sessions": 80,
            },
            "teachers": {"code": tag, "kind": "staff", "rate": "50.00"},
            "rates": {"rate": "55.00", "effective": "2026-12-01"},
            "courses": {
                "code": tag,
                "name": "X",
                "category": "arts",
                "capacity": 5,
                "teacher_id": str(self.teacher_id),
            },
            "enrolments": {"student_id": f"{self.code}-{tag}", "on": "2026-09-02"},
            "leave": {"dates": ["2027-01-10"]},
            "leave-requests": {"dates": ["2027-01-11"], "reason": "illness"},
            "registration-window": {
                "opens": "2026-09-01T08:00:00+08:00",
                "closes": "2027-01-10T17:00:00+08:00",
            },
            "closure": None,
            "registrations": {
                # a guardian's own child; for the school, a new student
                "student_id": self.student if role is G else f"{self.code}-{tag}",
                "course_id": str(self.course_id),
            },
            "departures": {"student_id": self.student},
            "ratings": {
                "student_id": self.student,
                "week": "2026-10-30",
                "course_score": 5,
                "teacher_score": 4,
            },
            "refusal": None,
            "confirmations": {"student_id": self.student, "day": "2026-09-01"},
            "disputes": {
                "student_id": self.student,
                "day": "2026-09-01",
                "grounds": "other",
            },
            "answer": {"accept": True},
            "escalation": None,
            "decision": {"upheld": False, "note": "matrix"},
            "withdrawal": {"on": "2026-10-20"},
            "waiver": {"on": "2026-10-20"},
            "sessions": {
                "day": "2026-10-30",
                "starts": "15:30",
                "ends": "17:30",
                "teacher_id": str(self.teacher_id),
                "present": [],
            },
            "reversal": {"reason": "matrix"},
            "payments": {
                "student_id": self.student,
                "amount": "1.00",
                "channel": "matrix",
                "reference": f"{self.code}-{tag}",
                "received_on": "2026-09-02",
            },
            "refunds": {
                "student_id": self.student,
                "amount": "1.00",
                "reason": "matrix",
                "reference": f"{self.code}-{tag}",
            },
            "reallocation": {
                "lines": [{"course_id": str(self.course_id), "amount": "360.00"}],
                "reason": "matrix",
            },
            "approval": None,
            "cancellation": None,
            "surplus-report": None,
            "payment": (
                {
                    "bank_references": {str(self.teacher_id): "B-matrix"},
                    "paid_on": "2026-11-01",
                }
                if "payroll" in template
                else {"bank_reference": "B-matrix", "paid_on": "2026-11-01"}
            ),
            "payroll": {"month": "2026-10"},
            "bank-account": {"account": f"CN00{self.code.replace('-', '')}0001"},
            "bank-statements": {
                "format": "csv",
                "content": "date,reference,description,amount,direction\n"
                "2026-09-01,X,,1.00,credit\n",
            },
            "subsidies": {
                "reference": f"{self.code}-{tag}",
                "source": "bureau",
                "amount": "1.00",
                "received_on": "2026-09-02",
            },
            "allocations": {
                "course_id": str(self.course_id),
                "amount": "1.00",
                "on": "2026-09-30",
            },
        }
        return bodies.get(tail) if method == "POST" else None

    def record(self, template: str) -> dict:
        kind = template.split("/people/")[1].split("/")[0]
        return {
            "students": {"name": "王小明", "grade": 3, "class_name": "3A"},
            "guardians": {
                "name": "王建国",
                "phone": "13912345678",
                "relation": "father",
                "children": [self.student],
            },
            "teachers": {
                "name": "李老师",
                "phone": "13812345678",
                "payee_account": "6222020200112233445",
            },
        }[kind]


# PC-101-S001 paid Homework club 3A's fee, ¥360, in the sample's first week
INSIDE = Place("Pingcheng", "PC-101", "PC-101-S001", ("wechat", "PC-101-S001-0901"))
OUTSIDE = Place("Yungang", "YG-201", "YG-201-S001", ("bank", "YG-YG-201-S001"))


def set_up_outside(bus: MessageBus) -> None:
    """A school in another district, with one of each thing the routes name."""
    o, actor = OUTSIDE, Actor("setup", "school_admin")
    bus.handle(c.RegisterSchool(o.district, o.code, "Yungang School"), actor)
    bus.handle(
        c.OpenTerm(
            o.school_id,
            "2026-autumn",
            date(2026, 9, 1),
            date(2027, 1, 15),
            36000,
            36000,
            80,
        ),
        actor,
    )
    bus.handle(c.RegisterTeacher(o.school_id, "T01", "staff", 5000), actor)
    bus.handle(
        c.OpenCourse(o.term_id, "HW-3A", "Homework", "homework", 30, o.teacher_id),
        actor,
    )
    for student in (o.student, f"{o.code}-S005"):
        bus.handle(c.Enrol(o.course_id, student, date(2026, 9, 1)), actor)
        bus.handle(
            c.RecordPayment(
                o.school_id, student, 36000, "bank", f"YG-{student}", date(2026, 9, 1)
            ),
            actor,
        )
    bus.handle(
        c.DeliverSession(
            o.course_id,
            None,
            date(2026, 9, 1),
            time(15, 30),
            time(17, 30),
            o.teacher_id,
            (o.student,),
        ),
        actor,
    )
    bus.handle(c.Withdraw(o.course_id, f"{o.code}-S005", date(2026, 9, 2)), actor)
    bus.handle(
        c.RequestRefund(
            o.school_id, f"{o.code}-S005", 100, "left", f"{o.code}-RF-{o.code}-S005"
        ),
        actor,
    )
    bus.handle(
        c.ReceiveSubsidy(
            o.school_id, f"{o.code}-GRANT-2026", "bureau", 100, date(2026, 9, 1)
        ),
        actor,
    )


def ask_leave(bus: MessageBus) -> None:
    """One leave request in each school, for the approval and refusal routes."""
    for place in (INSIDE, OUTSIDE):
        command = c.RequestLeave(place.course_id, place.student, LEAVE)
        bus.handle(command, Actor("setup", "school_admin"))


def import_statements(bus: MessageBus) -> None:
    for place in (INSIDE, OUTSIDE):
        actor = Actor("setup", "bursar")
        account = f"CN00{place.code.replace('-', '')}9"
        bus.handle(c.SetBankAccount(place.school_id, account), actor)
        bus.handle(c.ImportStatement(place.school_id, "csv", STATEMENT), actor)


def draft_outside_september(bus: MessageBus) -> None:
    # the sample pays PC-101's September itself
    bus.handle(c.DraftPayroll(OUTSIDE.school_id, SEPTEMBER), Actor("setup", "bursar"))


def dispute_today(bus: MessageBus) -> None:
    """In each school a session today, and its student's dispute of it."""
    actor = Actor("setup", "school_admin")
    for place in (INSIDE, OUTSIDE):
        session = c.DeliverSession(
            place.course_id,
            None,
            TODAY,
            time(15, 30),
            time(17, 30),
            place.teacher_id,
            (place.student,),
        )
        bus.handle(session, actor)
        bus.handle(c.OpenDispute(place.course_id, place.student, TODAY, "other"), actor)


def register_people(system) -> None:
    """Each place's student and guardian in the registry, an erasure asked."""
    for place in (INSIDE, OUTSIDE):
        record = place.record("/people/students/")
        system.registry.record(place.school_id, Kind.STUDENT, place.student, record)
        guardian = place.record("/people/guardians/")
        children = guardian.pop("children")
        system.registry.record(
            place.school_id, Kind.GUARDIAN, place.guardian, guardian, children
        )
        system.bus.handle(
            c.RequestErasure(place.school_id, Kind.STUDENT, place.student),
            Actor("setup", "school_admin"),
        )


@pytest.fixture(scope="module")
def clients(sample):
    set_up_outside(sample.system.bus)
    draft_outside_september(sample.system.bus)
    import_statements(sample.system.bus)
    register_people(sample.system)
    ask_leave(sample.system.bus)
    dispute_today(sample.system.bus)
    for place in (INSIDE, OUTSIDE):
        place.position = sample.system.funds.position_of(place.school_id)
    sample.system.projector.catch_up()
    tokens = {
        R: sample.token("m-regulator", R, district="Pingcheng"),
        A: sample.token("m-auditor", A, schools=["PC-101"]),
        B: sample.token("m-bursar", B, schools=["PC-101"]),
        S: sample.token("m-admin", S, schools=["PC-101"]),
        G: sample.token(INSIDE.guardian, G, schools=["PC-101"]),
    }
    made = {role: sample.client(token) for role, token in tokens.items()}
    made[None] = sample.client()
    yield made
    for client in made.values():
        client.close()


def routes(sample) -> list[tuple[str, str]]:
    paths = sample.client().get("/openapi.json").json()["paths"]
    return sorted(
        (method.upper(), path)
        for path, operations in paths.items()
        for method in operations
        if path.startswith("/v1/")
    )


def test_every_route_has_an_entry_in_the_matrix(sample):
    assert set(routes(sample)) == set(ALLOWED)


@pytest.mark.parametrize("role", [R, A, B, S, G])
def test_each_role_is_allowed_forbidden_or_kept_in_scope(sample, clients, role):
    failures = []
    for method, template in routes(sample):
        allowed = role in ALLOWED[(method, template)]
        for place, inside in ((INSIDE, True), (OUTSIDE, False)):
            response = clients[role].request(
                method,
                place.path(template),
                json=place.body(method, template, role),
                params=place.query(template),
            )
            if not allowed:
                expected_ok = response.status_code == 403
            elif inside or (method, template) in UNSCOPED:
                expected_ok = response.status_code not in (401, 403, 404, 500)
                if method == "GET":
                    expected_ok = response.status_code == 200
            else:
                expected_ok = response.status_code == 404
            if not expected_ok:
                where = "in scope" if inside else "out of scope"
                failures.append(
                    f"{method} {template} {where}: {response.status_code}"
                    f" {response.text[:200]}"
                )
    assert failures == []


def test_without_a_token_every_route_is_401(sample, clients):
    for method, template in set(routes(sample)) - PUBLIC:
        response = clients[None].request(method, INSIDE.path(template))
        assert response.status_code == 401, (method, template)
        assert response.headers["content-type"] == "application/problem+json"


def test_a_guardian_sees_their_own_child_and_no_other(sample, clients):
    guardian = clients[G]
    own = f"/v1/schools/{INSIDE.school_id}/students/{INSIDE.student}/balance"
    other = f"/v1/schools/{INSIDE.school_id}/students/PC-101-S002/balance"
    assert guardian.get(own).status_code == 200
    assert guardian.get(other).status_code == 404
    stranger = person_id_for(INSIDE.school_id, Kind.STUDENT, "PC-101-S002")
    sample.system.registry.record(
        INSIDE.school_id,
        Kind.STUDENT,
        "PC-101-S002",
        INSIDE.record("/people/students/"),
    )
    assert guardian.get(f"/v1/people/{INSIDE.person_id}").status_code == 200
    assert guardian.get(f"/v1/people/{stranger}").status_code == 404
    [child] = guardian.get("/v1/guardian/children").json()
    assert (child["student_id"], child["name"]) == (INSIDE.student, "王小明")


def test_a_guardian_acts_for_their_own_child_and_no_other(sample, clients):
    guardian = clients[G]
    asked = f"/v1/courses/{INSIDE.course_id}/enrolments/{{}}/leave-requests"
    body = {"dates": ["2027-01-12"], "reason": "illness"}
    answer = guardian.post(asked.format(INSIDE.student), json=body)
    assert answer.status_code not in (403, 404), answer.text  # decided on its merits
    assert guardian.post(asked.format("PC-101-S002"), json=body).status_code == 404
    registered = guardian.post(
        f"/v1/terms/{INSIDE.term_id}/registrations",
        json={"student_id": "PC-101-S002", "course_id": str(INSIDE.course_id)},
    )
    assert registered.status_code == 404


@pytest.mark.parametrize(
    "role, wide",
    [(R, {"city": "大同市"}), (A, {"city": "大同市"}), (R, {"province": "山西省"})],
)
def test_a_city_or_province_token_reaches_no_school_but_through_the_rollup(
    sample, clients, role, wide
):
    """Its districts' figures come from the roll-up; a school of any district
    is out of its scope, as if it did not exist."""
    token = sample.token(f"m-{role}-{next(iter(wide.values()))}", role, **wide)
    failures = []
    with sample.client(token) as client:
        for method, template in routes(sample):
            allowed = role in ALLOWED[(method, template)]
            for place in (INSIDE, OUTSIDE):
                response = client.request(
                    method,
                    place.path(template),
                    json=place.body(method, template, role),
                    params=place.query(template),
                )
                status = response.status_code
                if not allowed:
                    expected_ok = status == 403
                elif (method, template) in UNSCOPED and method == "GET":
                    expected_ok = status == 200
                elif (method, template) in UNSCOPED:
                    expected_ok = status not in (401, 403, 404, 500)
                else:
                    expected_ok = status == 404
                if not expected_ok:
                    failures.append(f"{method} {template}: {status}")
    assert failures == []
