"""Words the console shows for codes: share states, dispute grounds and
statuses, rules, categories, and the refusals a family may meet. Marked for
the catalogues with ``N_``; translated where shown."""

from api.errors import title_of
from api.limits import TooMany
from domain import errors as e
from domain.course import Category
from domain.dispute import Grounds
from domain.leave import LeaveReason
from domain.statements import StatementError


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
RULES = {
    "ends-before-off-work": N_("Service ends before parents finish work"),
    "service-too-short": N_("Service shorter than two hours"),
    "day-without-service": N_("A school day without service"),
    "week-without-homework-guidance": N_("A week without homework guidance"),
    "over-capacity": N_("More students than places"),
    "fee-over-cap": N_("Fee above the approved cap"),
    "prepaid-beyond-term": N_("Prepaid beyond the term"),
    "prepaid-over-external-cap": N_("Prepaid over the cap for outside courses"),
    "exempt-family-charged": N_("An exempt family was charged"),
    "refund-late": N_("Refund overdue"),
    "ghost-student": N_("Ghost student"),
    "ghost-teacher": N_("Ghost teacher"),
    "identical-check-in-times": N_("Identical check-in times"),
    "non-school-day": N_("Session on a non-school day"),
    "backfilled-attendance": N_("Attendance recorded long after"),
    "duplicate-payment": N_("Duplicate payment"),
    "refund-owed-unpaid": N_("Refund owed and not paid"),
    "rate-setter-approved-pay": N_("Pay approved by who set the rate"),
    "released-without-session": N_("Money released without a session"),
    "term-surplus-unreported": N_("Term surplus not reported"),
    "low-teacher-satisfaction": N_("Low satisfaction with a teacher"),
    "widely-disputed-course": N_("A course disputed by many families"),
}
SEVERITIES = {"high": N_("high"), "medium": N_("medium"), "low": N_("low")}
EVIDENCE = {
    "session": N_("session"),
    "course": N_("course"),
    "payment": N_("payment"),
    "refund": N_("refund"),
    "enrolment": N_("enrolment"),
    "term": N_("term"),
    "dispute": N_("dispute"),
    "rating": N_("rating"),
    "event": N_("event"),
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


# --- a guardian's leave, ratings and registrations ---------------------------

LEAVE_REASONS = {
    LeaveReason.ILLNESS: N_("Illness"),
    LeaveReason.APPOINTMENT: N_("An appointment"),
    LeaveReason.FAMILY: N_("Family matters"),
    LeaveReason.TRAVEL: N_("Travel"),
    LeaveReason.OTHER: N_("Another reason"),
}
LEAVE_STATUSES = {
    "requested": N_("awaiting the school's answer"),
    "approved": N_("approved"),
    "declined": N_("declined"),
}
REGISTRATION_STATUSES = {
    "enrolled": N_("has a seat"),
    "waiting": N_("on the waiting list"),
    "left waiting list": N_("left the waiting list"),
    "withdrawn": N_("withdrawn"),
}
ATTENDANCE = {
    "present": N_("present"),
    "absent": N_("absent"),
    "on_leave": N_("on leave"),
}
CATEGORIES = {
    Category.HOMEWORK: N_("Homework guidance"),
    Category.SPORTS: N_("Sports"),
    Category.SCIENCE: N_("Science"),
    Category.ARTS: N_("Arts"),
    Category.LABOUR: N_("Labour"),
    Category.READING: N_("Reading"),
    Category.WELLBEING: N_("Wellbeing"),
    Category.PRACTICE: N_("Practice"),
}
BALANCE_STATUSES = {
    "owes": N_("Still to pay"),
    "in credit": N_("In credit"),
    "settled": N_("Settled"),
}
FAMILY_WORDS = {
    "LEAVE_REASONS": LEAVE_REASONS,
    "LEAVE_STATUSES": LEAVE_STATUSES,
    "REGISTRATION_STATUSES": REGISTRATION_STATUSES,
    "ATTENDANCE": ATTENDANCE,
    "BALANCE_STATUSES": BALANCE_STATUSES,
    "CATEGORIES": CATEGORIES,
}
FAMILY_REFUSALS = {
    e.AlreadyExists: N_("This was recorded already."),
    e.NotAttended: N_("Your child was present at no session of this course that week."),
    e.WeekNotBegun: N_("That week has not begun yet."),
    e.ScoreOutOfRange: N_("A score is a whole number from 1 to 5."),
    e.SessionAlreadyDelivered: N_(
        "A session of those dates was held already: ask leave for later dates."
    ),
    e.OutsideTerm: N_("Those dates are outside the course's term."),
    e.NotEnrolled: N_("Your child holds no seat in this course."),
    e.UnknownLeaveReason: N_("Choose one of the reasons offered."),
    e.Blank: N_("Give at least one date."),
    e.AlreadyRegistered: N_(
        "Your child has a seat or a place on the waiting list already."
    ),
    e.OutsideRegistrationWindow: N_("Registration for this term is not open now."),
    e.NotWaiting: N_("Your child is not on this waiting list."),
    e.CourseOfAnotherTerm: N_("This course belongs to another term."),
}


def family_refusal(error: e.DomainError) -> str:
    """What a guardian is told when a rule refuses their leave request,
    rating or registration."""
    return FAMILY_REFUSALS.get(type(error)) or refusal(error)


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
# What a bursar meets: the rules that refuse money commands, and what was done.
REFUSALS.update(
    {
        e.SameApprover: N_(
            "A second person must do this: another bursar approves what you asked for."
        ),
        e.InvalidTransition: N_("It is no longer in a state that allows this."),
        e.InsufficientCredit: N_(
            "The family's credit not claimed by other refunds is less than that."
        ),
        e.PaymentConflict: N_(
            "That channel reference was recorded already with other content."
        ),
        e.PaymentDoesNotAddUp: N_("The payment's lines do not add up to its amount."),
        e.NotAnEnrolment: N_("The student is not enrolled in that course."),
        e.EnrolmentWithdrawn: N_("The student has withdrawn from that course."),
        e.FutureDate: N_("That day has not come yet."),
        e.InvalidAmount: N_("That amount is not valid."),
        e.FundWouldBeUncovered: N_(
            "Paying this would leave the bank holding less than families are owed."
        ),
        e.MissingBankReference: N_("Each teacher paid needs a bank reference."),
        e.PayrollStale: N_(
            "Sessions changed since the run was drafted; draft it again."
        ),
        e.PaidBeforeApproved: N_("A payroll run is approved before it is paid."),
        e.DisputeNotPending: N_("This dispute was answered already."),
        e.AnswerWindowClosed: N_("The time to answer this dispute has passed."),
        e.EscalatedToRegulator: N_(
            "This dispute was taken to the regulator, who decides it."
        ),
        e.NoBankAccount: N_("The school has no supervised bank account recorded."),
        e.EmptyStatement: N_("The statement holds no lines."),
        StatementError: N_("The statement file could not be read."),
        e.AlreadyExists: N_("That was recorded already."),
    }
)
DONE = {
    "payment-recorded": N_("The payment was recorded."),
    "refund-requested": N_("The refund was asked for: another bursar approves it."),
    "refund-approved": N_("The refund was approved."),
    "refund-cancelled": N_("The refund was cancelled: the amount is credit again."),
    "payroll-approved": N_("The payroll run was approved."),
    "payroll-paid": N_("The payroll run was paid."),
    "dispute-accepted": N_(
        "The dispute was accepted: the share goes back to the family."
    ),
    "dispute-rejected": N_("The dispute was rejected with your evidence."),
    "statement-imported": N_("The statement was imported."),
}
RUN_STATUSES = {
    "drafted": N_("drafted"),
    "approved": N_("approved"),
    "paid": N_("paid"),
}
DIRECTIONS = {"credit": N_("into the account"), "debit": N_("out of the account")}
CHANNELS = {
    "wechat": N_("WeChat Pay"),
    "alipay": N_("Alipay"),
    "bank": N_("Bank transfer"),
    "unionpay": N_("UnionPay card"),
    "cash": N_("Cash"),
}
STATEMENT_KINDS = {
    "camt053": N_("camt.053 XML"),
    "csv": N_("The fund's CSV"),
    "csv-mapped": N_("The bank's own CSV (UTF-8, GBK or GB18030)"),
    "xlsx": N_("The bank's own XLSX"),
}
MATCHED_BY = {
    "reference": N_("reference and amount"),
    "batch": N_("a batch's split lines"),
    "sum": N_("the sum of one reference"),
}
# what a school administrator may meet
REFUSALS |= {
    e.SessionAlreadyDelivered: N_(
        "This session is recorded already; to correct it, reverse it first."
    ),
    e.SessionNotDelivered: N_("That session is not recorded."),
    e.InvalidSession: N_(
        "That session cannot be recorded: check-out must come after check-in, "
        "and a session is recorded only once it has happened."
    ),
    e.OutsideTerm: N_("That day is outside the course's term."),
    e.NotEnrolled: N_("That student is not enrolled in the course."),
    e.AlreadyEnrolled: N_("That student is enrolled already."),
    e.CourseFull: N_("The course is full."),
    e.LeaveAlreadyDecided: N_("This leave request was decided already."),
    e.InvalidTermDates: N_(
        "The term's dates do not make a term: it ends after it starts, within "
        "one school year, and its closed days fall inside it."
    ),
    e.InvalidTermPolicy: N_("The term's policy cannot apply."),
    e.InvalidRegistrationWindow: N_("That registration window cannot be opened."),
    e.RegistrationNotOpen: N_("Registration is not open, so it cannot be closed."),
    e.RateLocked: N_("Pay at that rate is approved already."),
}
