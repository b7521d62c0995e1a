"""Registration for the spring term at Pingcheng No.1 Primary: a window opened
by the school, families registering, one course full with a waiting list, one
taking herself off it, the window closed early, and leave asked for and decided.
Recorded on a simulated clock after the autumn sample's last service day; a
second round is then opened from the moment the sample is loaded."""

from datetime import date, datetime, time, timedelta

from application import commands as c
from application.bus import MessageBus
from domain.course import BEIJING, Course
from domain.leave import LeaveRequest
from domain.school import School, Term
from domain.teacher import Teacher
from samples.pingcheng import FEE, PLANNED, SimulatedClock, admin

SCHOOL = "PC-101"
TERM = "2027-spring"
STARTS, ENDS = date(2027, 2, 22), date(2027, 7, 9)
OPENS = datetime(2026, 10, 19, 8, tzinfo=BEIJING)
CLOSES = datetime(2026, 10, 23, 17, tzinfo=BEIJING)
COURSES = (("CHESS-S", "Chess", "science", 4), ("CLAY-S", "Clay modelling", "arts", 20))
LEAVE_DATES = (date(2027, 3, 1), date(2027, 3, 2))
SECOND_ROUND = timedelta(days=60)


def load_registrations(bus: MessageBus) -> None:
    clock, real = SimulatedClock(), bus.funds.clock
    bus.funds.clock = clock
    school_id = School.id_for(SCHOOL)
    term_id = Term.id_for(school_id, TERM)
    who = admin(SCHOOL)
    chess, clay = (Course.id_for(term_id, code) for code, *_ in COURSES)
    try:
        clock.set(date(2026, 10, 17), 9)
        bus.handle(c.OpenTerm(school_id, TERM, STARTS, ENDS, FEE, FEE, PLANNED), who)
        for code, name, category, capacity in COURSES:
            teacher = Teacher.id_for(school_id, "T01")
            bus.handle(
                c.OpenCourse(term_id, code, name, category, capacity, teacher), who
            )
        bus.handle(c.OpenRegistration(term_id, OPENS, CLOSES), who)
        clock.now = OPENS.replace(minute=1)
        for n in range(6):
            student = f"{SCHOOL}-S1{10 + n:02d}"
            bus.handle(c.Register(term_id, chess, student), who)
            bus.handle(c.Register(term_id, clay, student), who)
        clock.set(date(2026, 10, 21), 10)
        bus.handle(c.LeaveWaitingList(chess, f"{SCHOOL}-S115"), who)
        clock.set(date(2026, 10, 22), 12)
        bus.handle(c.CloseRegistration(term_id), who)
        for student, dates in (
            (f"{SCHOOL}-S112", LEAVE_DATES),
            (f"{SCHOOL}-S113", LEAVE_DATES[:1]),
        ):
            bus.handle(c.RequestLeave(clay, student, dates, "family"), who)
        clock.set(date(2026, 10, 23), 9)
        approved = LeaveRequest.id_for(clay, f"{SCHOOL}-S112", LEAVE_DATES)
        declined = LeaveRequest.id_for(clay, f"{SCHOOL}-S113", LEAVE_DATES[:1])
        bus.handle(c.ApproveLeaveRequest(approved), who)
        bus.handle(c.DeclineLeaveRequest(declined), who)
    finally:
        bus.funds.clock = real
    reopen(bus, term_id, who)


def reopen(bus: MessageBus, term_id, who) -> None:
    """A second round, open from now for sixty days (while the term allows):
    families may still register, into the free seats of clay modelling or onto
    the waiting list of chess."""
    now = bus.funds.clock().astimezone(BEIJING)
    last = datetime.combine(STARTS, time(17), BEIJING)
    if now < last:
        bus.handle(c.OpenRegistration(term_id, now, min(now + SECOND_ROUND, last)), who)
