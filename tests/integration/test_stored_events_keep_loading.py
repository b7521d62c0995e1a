"""Events stored before their parts had names (positional lists, payments and
refunds without allocation) still load, upcast to the events of today."""

import json
from datetime import date
from uuid import uuid4

import psycopg
from eventsourcing.persistence import StoredEvent

from domain.allocation import Allocation
from domain.course import Course
from domain.ledger import journal
from domain.payment import BY_RULE, Payment
from domain.payroll import PayItem, PayrollRun
from domain.refund import Refund


def store(system, aggregate_id, version: int, cls, state: dict) -> None:
    """Writes an event as an earlier release stored it, without the recorder."""
    topic = f"{cls.__module__}:{cls.__qualname__}"
    row = (aggregate_id, version, topic, json.dumps(state).encode())
    with psycopg.connect(system.database.conninfo, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO funds_events (originator_id, originator_version, topic, state)"
            " VALUES (%s, %s, %s, %s)",
            row,
        )


def envelope(day: str) -> dict:
    return {
        "actor": "bursar-1",
        "role": "bursar",
        "effective": {"_type_": "date_iso", "_data_": day},
        "timestamp": {"_type_": "datetime_iso", "_data_": f"{day}T11:00:00+00:00"},
    }


def uuid(value) -> dict:
    return {"_type_": "uuid_hex", "_data_": value.hex}


def test_a_payment_stored_without_allocation_is_the_familys_unallocated(system):
    payment_id, school = uuid4(), uuid4()
    state = envelope("2026-09-01") | {
        "originator_topic": f"{Payment.__module__}:{Payment.__qualname__}",
        "school_id": uuid(school),
        "student_id": "s1",
        "amount": 36000,
        "channel": "bank",
        "reference": "B1",
    }
    store(system, payment_id, 1, Payment.Received, state)
    payment = system.funds.get(payment_id)
    assert payment.allocations == (Allocation(None, 36000),)
    assert payment.lines_named is None and BY_RULE


def test_a_payroll_stored_with_positional_items_loads_them_by_name(system):
    run_id, teacher, delivery = uuid4(), uuid4(), uuid4()
    item = [
        uuid(teacher),
        uuid(delivery),
        uuid(uuid4()),
        uuid(uuid4()),
        {"_type_": "date_iso", "_data_": "2026-09-07"},
        {"_type_": "time_iso", "_data_": "15:30:00"},
        {"_type_": "time_iso", "_data_": "17:30:00"},
        12,
        5000,
        5000,
        False,
    ]
    drafted = envelope("2026-09-30") | {
        "originator_topic": f"{PayrollRun.__module__}:{PayrollRun.__qualname__}",
        "school_id": uuid(uuid4()),
        "month": {"_type_": "date_iso", "_data_": "2026-09-01"},
        "items": [item],
    }
    store(system, run_id, 1, PayrollRun.Drafted, drafted)
    [loaded] = system.funds.get(run_id).items
    assert isinstance(loaded, PayItem)
    assert (loaded.teacher_id, loaded.delivery_id, loaded.day, loaded.amount) == (
        teacher,
        delivery,
        date(2026, 9, 7),
        5000,
    )


def test_a_refund_stored_without_lines_draws_on_unallocated_money(system):
    refund_id = uuid4()
    state = envelope("2026-09-21") | {
        "originator_topic": f"{Refund.__module__}:{Refund.__qualname__}",
        "school_id": uuid(uuid4()),
        "student_id": "s1",
        "amount": 700,
        "reason": "withdrew",
        "reference": "RF1",
    }
    store(system, refund_id, 1, Refund.Requested, state)
    assert system.funds.get(refund_id).lines == (Allocation(None, 700),)


def test_a_log_written_before_events_were_indexed_by_school_is_indexed(system):
    """The books of a school are folded from its events found by this index:
    a log that predates it is indexed when the recorder sets up its tables."""
    payment_id, school = uuid4(), uuid4()
    state = envelope("2026-09-01") | {
        "originator_topic": f"{Payment.__module__}:{Payment.__qualname__}",
        "school_id": uuid(school),
        "student_id": "s1",
        "amount": 36000,
        "channel": "bank",
        "reference": "B1",
    }
    store(system, payment_id, 1, Payment.Received, state)
    system.funds.recorder.create_table()
    [event] = system.funds.school_events(school, 0, system.funds.head())
    assert event.originator_id == payment_id


def test_a_leave_approved_before_leave_requests_loads_without_a_request(system):
    course_id = uuid4()
    state = envelope("2026-09-08") | {
        "originator_id": uuid(course_id),
        "originator_version": 3,
        "school_id": uuid(uuid4()),
        "student_id": "s1",
        "dates": [{"_type_": "date_iso", "_data_": "2026-09-09"}],
    }
    topic = f"{Course.LeaveApproved.__module__}:{Course.LeaveApproved.__qualname__}"
    stored = StoredEvent(course_id, 3, topic, json.dumps(state).encode())
    event = system.funds.mapper.to_domain_event(stored)
    assert event.request_id is None and event.dates == [date(2026, 9, 9)]


def test_a_course_stored_before_families_confirmed_releases_on_delivery(system):
    """Its term's policy then was release on delivery: a session stored then
    posts to the course's income, as it did."""
    course_id, teacher = uuid4(), uuid4()
    opened = envelope("2026-09-01") | {
        "originator_topic": f"{Course.__module__}:{Course.__qualname__}",
        "school_id": uuid(uuid4()),
        "term_id": uuid(uuid4()),
        "code": "C1",
        "name": "Chess",
        "category": "science",
        "capacity": 30,
        "teacher_id": uuid(teacher),
        "fee": 1000,
        "planned_sessions": 10,
        "term_starts": {"_type_": "date_iso", "_data_": "2026-09-01"},
        "term_ends": {"_type_": "date_iso", "_data_": "2027-01-15"},
        "absence_consumes": False,
    }
    store(system, course_id, 1, Course.Opened, opened)
    course = system.funds.get(course_id)
    assert (course.release.value, course.silence_days) == ("on-delivery", 7)
    delivered = envelope("2026-09-01") | {
        "originator_id": uuid(course_id),
        "originator_version": 2,
        "school_id": opened["school_id"],
        "session_id": uuid(uuid4()),
        "starts": {"_type_": "time_iso", "_data_": "15:30:00"},
        "ends": {"_type_": "time_iso", "_data_": "17:30:00"},
        "teacher_id": uuid(teacher),
        "teacher_pay": 5000,
        "delay_days": 0,
        "number": 1,
        "share": 100,
        "present": ["s1"],
        "absent": [],
        "on_leave": [],
        "released": ["s1"],
        "cancelled": [],
    }
    topic = (
        f"{Course.SessionDelivered.__module__}:{Course.SessionDelivered.__qualname__}"
    )
    stored = StoredEvent(course_id, 2, topic, json.dumps(delivered).encode())
    event = system.funds.mapper.to_domain_event(stored)
    assert event.confirm_by is None and not event.awaiting
    lines = {(x.account, x.credit) for x in journal(event).lines if x.credit}
    assert (f"released:{course_id}", 100) in lines
