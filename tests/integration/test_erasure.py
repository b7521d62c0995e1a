"""A person's personal data erased: the money trail keeps the pseudonymous
id and still proves, traces, rebuilds and exports; nothing erases a person
who still has money in flight."""

from datetime import UTC, datetime

import psycopg
import pytest

from application import commands as c
from domain.errors import MoneyInFlight
from domain.facts import Actor
from domain.payment import Payment
from domain.person import Kind, person_id_for
from domain.refund import Refund
from infra.digests import (
    check_against,
    create_keys,
    load_key_set,
    load_private,
    make_digest,
)
from infra.registry import Reader
from infra.tokens import Role
from projections import funds as f
from projections.export import export
from projections.trace import trace_payment
from tests.builders import ADMIN, BURSAR
from tests.integration.test_projections import dump
from tests.integration.test_term_story import SEP, Story

REGULATOR = Actor("regulator-1", "regulator")
READER = Reader("bursar-1", "bursar", "GET /v1/people/{person_id}")
NOW = datetime(2026, 9, 30, 12, tzinfo=UTC)
CREATED = datetime(2026, 9, 1, tzinfo=UTC)


@pytest.fixture
def story(system, clock) -> Story:
    story = Story(system, clock)
    story.play()
    story.refund_b()  # b withdrew, and what was left of b's fee went back
    story.confirm("b", SEP[1], on=SEP[8])  # the one session b attended
    registry = system.registry
    for student, name in (("a", "王小明"), ("b", "李小红")):
        record = {"name": name, "grade": 3, "class_name": "3A"}
        registry.record(story.school, Kind.STUDENT, student, record)
    guardian = {"name": "李建国", "phone": "13912345678", "relation": "father"}
    registry.record(story.school, Kind.GUARDIAN, "g-b", guardian, ["b"])
    teacher = {"name": "李老师", "phone": "13812345678", "payee_account": "62220202"}
    registry.record(story.school, Kind.TEACHER, str(story.teacher), teacher)
    return story


def left_of(system, person_id) -> dict[str, int]:
    with psycopg.connect(system.database.conninfo) as conn:
        return {
            table: conn.execute(
                f"SELECT count(*) FROM {table} WHERE {column} = %s", (person_id,)
            ).fetchone()[0]
            for table, column in (
                ("people", "person_id"),
                ("person_keys", "person_id"),
                ("person_notes", "person_id"),
                ("guardian_children", "guardian_id"),
            )
        }


def test_an_erased_family_keeps_a_trail_that_proves_traces_rebuilds_and_exports(
    story, system, tmp_path
):
    private, published = create_keys(tmp_path, "a passphrase", CREATED)
    system.projector.catch_up()
    digest = make_digest(system.verified, load_private(private, "a passphrase"), NOW)
    trace_before = trace_payment(
        system.queries, Payment.id_for(story.school, "bank", "B1")
    )
    b = person_id_for(story.school, Kind.STUDENT, "b")
    guardian = person_id_for(story.school, Kind.GUARDIAN, "g-b")

    story.do(c.RequestErasure(story.school, Kind.STUDENT, "b"), ADMIN, SEP[10])
    story.do(c.ApproveErasure(b), REGULATOR, SEP[11])
    story.do(c.RequestErasure(story.school, Kind.GUARDIAN, "g-b"), ADMIN, SEP[10])
    story.do(c.ApproveErasure(guardian), REGULATOR, SEP[11])

    found = system.registry.read([b, guardian], READER)
    assert found[b].erased and found[b].record is None
    assert found[guardian].record is None
    assert left_of(system, b) == {
        "people": 1,
        "person_keys": 0,
        "person_notes": 0,
        "guardian_children": 0,
    }
    assert left_of(system, guardian)["guardian_children"] == 0
    assert system.registry.children_of(guardian) == frozenset()

    assert system.verified.verify_whole().intact
    assert check_against(system.chain, digest, load_key_set(published)).intact

    system.projector.catch_up()
    projected = dump(system)
    system.projector.rebuild()
    assert dump(system) == projected

    trace = trace_payment(system.queries, Payment.id_for(story.school, "bank", "B1"))
    assert (trace.student_id, trace.uses) == ("b", trace_before.uses)
    assert f.student_balance(system.queries, story.school, "b").figures.paid == 10000
    manifest = export(
        system.queries, term="T", schools=[story.school], fmt="jsonl", out=tmp_path
    )
    assert '"b"' in (tmp_path / "students.jsonl").read_text()
    assert all(entry["rows"] >= 0 for entry in manifest["files"])


def test_a_family_with_money_in_the_fund_or_an_unpaid_teacher_is_not_erased(
    story, system
):
    head = system.funds.head()
    story.do(c.RequestErasure(story.school, Kind.STUDENT, "a"), ADMIN, SEP[10])
    story.do(c.RequestErasure(story.school, Kind.TEACHER, str(story.teacher)), ADMIN)
    a = person_id_for(story.school, Kind.STUDENT, "a")
    teacher = person_id_for(story.school, Kind.TEACHER, str(story.teacher))
    # a's 21000 not consumed, and a's 9000 consumed still awaiting a's confirmation
    for person, owed in ((a, 21000 + 9000), (teacher, 15000)):
        with pytest.raises(MoneyInFlight) as refused:
            story.do(c.ApproveErasure(person), REGULATOR, SEP[11])
        assert refused.value.context == {"in_flight": owed}
        assert system.registry.read([person], READER)[person].record is not None
    assert system.funds.head() == head + 2  # the two requests, no approval


def test_personal_data_reads_are_logged(story, system):
    a = person_id_for(story.school, Kind.STUDENT, "a")
    system.registry.read([a], READER)
    [read] = system.registry.reads([story.school], limit=1)
    assert (read["reader"], read["route"], read["person_id"], read["ref"]) == (
        "bursar-1",
        "GET /v1/people/{person_id}",
        a,
        "a",
    )


def test_a_refunds_reason_is_kept_with_the_family_not_in_the_log(story, system):
    refund = Refund.id_for(story.school, "RF-b")
    assert system.registry.note(refund, READER) == "withdrew"
    with psycopg.connect(system.database.conninfo) as conn:
        states = conn.execute(
            "SELECT state FROM funds_events WHERE originator_id = %s", (refund,)
        ).fetchall()
    assert states and not any(b"withdrew" in bytes(state) for (state,) in states)

    b = person_id_for(story.school, Kind.STUDENT, "b")
    story.do(c.RequestErasure(story.school, Kind.STUDENT, "b"), ADMIN, SEP[10])
    story.do(c.ApproveErasure(b), REGULATOR, SEP[11])
    assert system.registry.note(refund, READER) is None


def test_nothing_new_is_kept_about_a_person_erased(story, system):
    b = person_id_for(story.school, Kind.STUDENT, "b")
    story.do(c.RequestErasure(story.school, Kind.STUDENT, "b"), ADMIN, SEP[10])
    story.do(c.ApproveErasure(b), REGULATOR, SEP[11])
    story.do(c.RecordPayment(story.school, "b", 5000, "bank", "B9", SEP[12]), BURSAR)
    asked = c.RequestRefund(story.school, "b", 5000, "paid by grandmother Wang", "RF-9")
    story.do(asked, BURSAR, SEP[12])
    assert system.registry.note(Refund.id_for(story.school, "RF-9"), READER) is None
    assert left_of(system, b)["person_keys"] == 0


def test_an_erased_guardian_can_no_longer_sign_in(story, system):
    guardian = person_id_for(story.school, Kind.GUARDIAN, "g-b")
    _, token = system.tokens.create(subject="g-b", role=Role.GUARDIAN, schools=("S1",))
    code, _ = system.tokens.issue_login_code("S1", "g-b")
    story.do(c.RequestErasure(story.school, Kind.GUARDIAN, "g-b"), ADMIN, SEP[10])
    story.do(c.ApproveErasure(guardian), REGULATOR, SEP[11])
    assert system.tokens.find(token) is None
    assert system.tokens.redeem_login_code(code) is None
