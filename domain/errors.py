"""What a user is told when a command breaks a rule: one error per rule.

Each error has a stable ``code`` that the API turns into a problem type, and
a ``status``: 404 not found, 409 a conflict with what is recorded (try again
or look first), 403 a person who may not do this, 422 a rule the request
breaks.
"""


class DomainError(Exception):
    code = "domain-error"
    status = 422

    def __init__(self, message: str, **context: object) -> None:
        super().__init__(message)
        self.message = message
        self.context = context


# --- finding and recording ------------------------------------------------
class NotFound(DomainError):
    """Not found."""

    code = "not-found"
    status = 404


class AlreadyExists(DomainError):
    """Recorded already."""

    code = "already-exists"
    status = 409


class BooksChanged(DomainError):
    """The school's books changed while deciding; try again."""

    code = "books-changed"
    status = 409


class Conflict(DomainError):
    """In conflict with what is recorded."""

    code = "conflict"
    status = 409


class InvalidTransition(DomainError):
    """Not in a state that allows it."""

    code = "invalid-transition"
    status = 409


class SameApprover(DomainError):
    """A second person must do this."""

    code = "four-eyes"
    status = 403


class Blank(DomainError):
    """A required field is blank."""

    code = "blank-field"


class FutureDate(DomainError):
    """A date still to come."""

    code = "future-date"


class ImplausibleDate(DomainError):
    """A business date before 2000 or more than a year ahead."""

    code = "implausible-date"


class OtherSchool(DomainError):
    """It belongs to another school."""

    code = "another-school"


class OutsideDistrict(DomainError):
    """A school of another district."""

    code = "outside-district"


# --- set-up -----------------------------------------------------------------
class InvalidTermDates(DomainError):
    """Term dates that do not make a term."""

    code = "invalid-term-dates"


class InvalidTermPolicy(DomainError):
    """A fee policy that cannot apply."""

    code = "invalid-term-policy"


class InvalidAmount(DomainError):
    """An amount that is not allowed."""

    code = "invalid-amount"


class UnknownCategory(DomainError):
    """Not a category of after-school service."""

    code = "unknown-category"


class UnknownTeacherKind(DomainError):
    """Not staff or external."""

    code = "unknown-teacher-kind"


class InvalidCapacity(DomainError):
    """A course takes at least one student."""

    code = "invalid-capacity"


class InvalidPlan(DomainError):
    """A course plans at least one session."""

    code = "invalid-plan"


class InvalidStudentId(DomainError):
    """Not a pseudonymous student id."""

    code = "invalid-student-id"


class InvalidBankAccount(DomainError):
    """Not a bank account number."""

    code = "invalid-bank-account"


class NoBankAccount(DomainError):
    """The supervised account is not recorded."""

    code = "no-bank-account"


class EmptyStatement(DomainError):
    """A statement without entries."""

    code = "empty-statement"


class InvalidBankFormat(DomainError):
    """A column mapping of a bank's statement export that cannot be read by."""

    code = "invalid-bank-format"


# --- the register ------------------------------------------------------------
class OutsideTerm(DomainError):
    """Outside the term."""

    code = "outside-term"


class CourseFull(DomainError):
    """The course is full."""

    code = "course-full"
    status = 409


class NotEnrolled(DomainError):
    """The student is not enrolled."""

    code = "not-enrolled"


class AlreadyEnrolled(DomainError):
    """The student is enrolled already."""

    code = "already-enrolled"
    status = 409


class AlreadyWithdrawn(DomainError):
    """Withdrawn or waived already."""

    code = "already-withdrawn"
    status = 409


class InvalidSession(DomainError):
    """A session that cannot have happened."""

    code = "invalid-session"


class SessionAlreadyDelivered(DomainError):
    """The session is recorded already."""

    code = "session-already-delivered"
    status = 409


class SessionNotDelivered(DomainError):
    """No such session was recorded."""

    code = "session-not-delivered"


# --- registration and leave requests ----------------------------------------
class InvalidRegistrationWindow(DomainError):
    """A registration window that cannot be opened."""

    code = "invalid-registration-window"


class RegistrationNotOpen(DomainError):
    """Registration is not open, so it cannot be closed."""

    code = "registration-not-open"
    status = 409


class OutsideRegistrationWindow(DomainError):
    """Registered before the window opened, after it closed, or with none."""

    code = "outside-registration-window"


class CourseOfAnotherTerm(DomainError):
    """The course belongs to another term."""

    code = "course-of-another-term"


class AlreadyRegistered(DomainError):
    """The student is enrolled or waiting in that course already."""

    code = "already-registered"


class NotWaiting(DomainError):
    """The student is not on the course's waiting list."""

    code = "not-waiting"


class UnknownLeaveReason(DomainError):
    """Not a reason code for leave."""

    code = "unknown-leave-reason"


class LeaveAlreadyDecided(DomainError):
    """The leave request was approved or declined already."""

    code = "leave-already-decided"
    status = 409


# --- course evaluation ------------------------------------------------------
class ScoreOutOfRange(DomainError):
    """A rating's score is a whole number from 1 to 5."""

    code = "score-out-of-range"


class NotAttended(DomainError):
    """A rating is for a course the child was present at that week."""

    code = "not-attended"


class WeekNotBegun(DomainError):
    """A week is rated once it has begun."""

    code = "week-not-begun"


# --- confirmation and disputes ----------------------------------------------
class NotConsumed(DomainError):
    """A family confirms or disputes only a session its child consumed."""

    code = "not-consumed"


class NotAwaitingConfirmation(DomainError):
    """The share awaits no confirmation: confirmed already, or released on
    delivery by term policy."""

    code = "not-awaiting-confirmation"


class NothingToConfirm(DomainError):
    """No session up to that day awaits the family's confirmation."""

    code = "nothing-to-confirm"


class AlreadyDisputed(DomainError):
    """A family disputes a session's share once."""

    code = "already-disputed"


class ConfirmationWindowClosed(DomainError):
    """A share is disputed within the silence period after its session."""

    code = "confirmation-window-closed"


class UnknownDisputeGrounds(DomainError):
    """A dispute names one of the grounds the rules know."""

    code = "unknown-dispute-grounds"


class DisputeNotPending(DomainError):
    """The dispute is not in a state that takes this step."""

    code = "dispute-not-pending"
    status = 409


class AnswerWindowClosed(DomainError):
    """A school answers a dispute within the answer period."""

    code = "answer-window-closed"


class EscalationWindowClosed(DomainError):
    """A rejected dispute is escalated within the answer period."""

    code = "escalation-window-closed"


class EscalatedToRegulator(DomainError):
    """An escalated dispute is the regulator's to decide, not the school's."""

    code = "escalated-to-regulator"
    status = 403


# --- money ------------------------------------------------------------------
class PaymentConflict(DomainError):
    """The reference was booked with other content."""

    code = "payment-reference-conflict"
    status = 409


class PaymentDoesNotAddUp(DomainError):
    """The lines do not add up to the amount."""

    code = "allocation-does-not-add-up"


class AllocationSpent(DomainError):
    """Money consumed, refunded or claimed cannot move to another enrolment."""

    code = "allocation-spent"


class DuplicateAllocation(DomainError):
    """An enrolment appears twice."""

    code = "duplicate-allocation"


class NotAnEnrolment(DomainError):
    """Not an enrolment of this family and school."""

    code = "not-an-enrolment"


class EnrolmentWithdrawn(DomainError):
    """The student left that course."""

    code = "enrolment-withdrawn"


class InsufficientCredit(DomainError):
    """Less credit than asked for."""

    code = "insufficient-credit"


class InsufficientSubsidy(DomainError):
    """Less subsidy than asked for."""

    code = "insufficient-subsidy"


class FundWouldBeUncovered(DomainError):
    """The fund would hold less than families are owed."""

    code = "fund-would-be-uncovered"


class PaidBeforeApproved(DomainError):
    """Paid before it was approved."""

    code = "paid-before-approved"


# --- pay and reports ----------------------------------------------------------
class RateLocked(DomainError):
    """Pay at that rate is approved already."""

    code = "rate-locked"
    status = 409


class MonthNotBegun(DomainError):
    """The month has not begun."""

    code = "month-not-begun"


class NothingToPay(DomainError):
    """There is no pay to draft."""

    code = "nothing-to-pay"


class PayrollStale(DomainError):
    """Sessions changed since the draft; redraft."""

    code = "payroll-stale"
    status = 409


class MissingBankReference(DomainError):
    """A teacher without a reference."""

    code = "missing-bank-reference"


class TermNotEnded(DomainError):
    """The term has not ended."""

    code = "term-not-ended"


class AlreadyReported(DomainError):
    """Reported already."""

    code = "already-reported"
    status = 409


class MoneyInFlight(DomainError):
    """The person still has money the fund holds or owes."""

    code = "money-in-flight"


class Erased(DomainError):
    """The person's personal data was erased."""

    code = "erased"
    status = 409


def every_rule() -> list[type[DomainError]]:
    """Every error a command may answer with, for the API's documentation."""
    found, pending = [], list(DomainError.__subclasses__())
    while pending:
        cls = pending.pop(0)
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return sorted(found, key=lambda cls: cls.code)
