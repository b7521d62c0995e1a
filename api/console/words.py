"""Words the console shows for codes: share states, dispute grounds and
statuses, and the refusals a family may meet. Marked for the catalogues
with ``N_``; translated where shown."""

from api.errors import title_of
from api.limits import TooMany
from domain import errors as e
from domain.dispute import Grounds


def N_(message: str) -> str:
    return message


GROUNDS = {
    Grounds.NOT_HELD: N_("The session was not held"),
    Grounds.ABSENT: N_("My child was absent"),
    Grounds.OTHER_TEACHER: N_("Another teacher taught it"),
    Grounds.OTHER: N_("Another reason"),
}
SHARE_STATES = {
    "awaiting": N_("awaiting"),
    "confirmed": N_("confirmed"),
    "disputed": N_("disputed"),
    "credited": N_("credited back"),
    "released": N_("released"),
    "reversed": N_("reversed"),
}
DISPUTE_STATUSES = {
    "open": N_("open"),
    "rejected": N_("rejected"),
    "escalated": N_("escalated"),
    "accepted": N_("accepted"),
    "upheld": N_("upheld"),
    "released": N_("released"),
    "dismissed": N_("dismissed"),
}
REFUSALS = {
    e.NotFound: N_("Not found."),
    e.NotConsumed: N_(
        "Only a session your child attended can be confirmed or disputed."
    ),
    e.NotAwaitingConfirmation: N_("This session no longer awaits your confirmation."),
    e.NothingToConfirm: N_("No session up to that day awaits your confirmation."),
    e.AlreadyDisputed: N_("This session was disputed already."),
    e.ConfirmationWindowClosed: N_("The time to dispute this session has passed."),
    e.BooksChanged: N_("The school's books changed meanwhile; please try again."),
    TooMany: N_("Too many requests; try again after a while."),
}


def refusal(error: e.DomainError) -> str:
    """What the console says when a rule refuses a command (in English until
    translated: the rule's own title)."""
    return REFUSALS.get(type(error)) or title_of(type(error))


ANOMALY_RULES = {
    "ghost-student": N_("Ghost student"),
    "ghost-teacher": N_("Ghost teacher"),
    "identical-check-in-times": N_("Identical check-in times"),
    "non-school-day": N_("Session on a day without school"),
    "backfilled-attendance": N_("Attendance recorded late"),
    "duplicate-payment": N_("Duplicate payment"),
    "refund-owed-unpaid": N_("Refund owed, not paid"),
    "exempt-family-charged": N_("Exempt family charged"),
    "rate-setter-approved-pay": N_("Rate setter approved the pay"),
    "over-capacity": N_("More students than places"),
    "released-without-session": N_("Money released without a session"),
    "term-surplus-unreported": N_("Term surplus not reported"),
    "low-teacher-satisfaction": N_("Low satisfaction with a teacher"),
    "widely-disputed-course": N_("Course widely disputed"),
}
SEVERITIES = {"high": N_("high"), "medium": N_("medium"), "low": N_("low")}
EVIDENCE = {
    "payment": N_("payment"),
    "course": N_("course"),
    "term": N_("term"),
    "rating": N_("rating"),
    "dispute": N_("dispute"),
    "enrolment": N_("enrolment"),
    "session": N_("session"),
    "event": N_("event"),
}
REFUND_STATUSES = {
    "requested": N_("requested"),
    "approved": N_("approved"),
    "cancelled": N_("cancelled"),
    "paid": N_("paid"),
}
AGGREGATES = {
    "BankFormat": N_("Bank format"),
    "BankStatement": N_("Bank statement"),
    "Course": N_("Course"),
    "Dispute": N_("Dispute"),
    "Erasure": N_("Erasure"),
    "Guardianship": N_("Guardianship"),
    "LeaveRequest": N_("Leave request"),
    "Payment": N_("Payment"),
    "PayrollRun": N_("Payroll run"),
    "Rating": N_("Rating"),
    "Refund": N_("Refund"),
    "School": N_("School"),
    "SubsidyGrant": N_("Subsidy grant"),
    "Teacher": N_("Teacher"),
    "Term": N_("Term"),
}
ROLES = {
    "regulator": N_("regulator"),
    "auditor": N_("auditor"),
    "bursar": N_("bursar"),
    "school_admin": N_("school admin"),
    "guardian": N_("guardian"),
    "system": N_("system"),
}
