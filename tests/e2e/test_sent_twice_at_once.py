"""A request sent again with its Idempotency-Key while the first is still
being saved (a client that gave up waiting) gets the first one's answer, not
the refusal the first one's work causes."""

import threading
from datetime import date, timedelta

import httpx

from application import commands as c
from domain.course import Course
from domain.facts import Actor
from domain.school import School, Term
from domain.teacher import Teacher
from infra.tokens import Role

ADMIN = Actor("admin", "school_admin")
PAIRS = 30


def at_once(clients, path: str, body: dict, headers: dict) -> list[httpx.Response]:
    """The same request from each client, released together."""
    ready, answers = threading.Barrier(len(clients)), []

    def send(client: httpx.Client) -> None:
        ready.wait()
        answers.append(client.post(path, json=body, headers=headers))

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return answers


def test_the_same_session_sent_twice_at_once_is_recorded_once_and_answered_alike(
    empty,
):
    school = School.id_for("TW-1")
    term = Term.id_for(school, "T")
    teacher = Teacher.id_for(school, "t")
    course = Course.id_for(term, "C")
    bus = empty.system.bus
    bus.handle(c.RegisterSchool("Twice", "TW-1", "Twice Primary"), ADMIN)
    bus.handle(
        c.OpenTerm(school, "T", date(2026, 9, 1), date(2027, 1, 15), 300, 300, 80),
        ADMIN,
    )
    bus.handle(c.RegisterTeacher(school, "t", "staff", 5000, date(2026, 9, 1)), ADMIN)
    bus.handle(c.OpenCourse(term, "C", "Chess", "science", 30, teacher), ADMIN)
    token = empty.token("twice", Role.SCHOOL_ADMIN, schools=["TW-1"])
    clients = [empty.client(token), empty.client(token)]
    days = [date(2026, 9, 1) + timedelta(days=n) for n in range(60)]
    days = [d for d in days if d.weekday() < 5][:PAIRS]
    for day in days:
        body = {"day": str(day), "starts": "15:30", "ends": "17:30",
                "teacher_id": str(teacher), "present": []}  # fmt: skip
        headers = {"Idempotency-Key": f"session-{day}"}
        path = f"/v1/courses/{course}/sessions"
        answers = at_once(clients, path, body, headers)
        first, second = answers
        assert (first.status_code, second.status_code) == (201, 201), second.text
        assert first.json() == second.json()
    for client in clients:
        client.close()
