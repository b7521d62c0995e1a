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
    e.AlreadyExists: N_("That code is in use already."),
    e.InvalidTermDates: N_(
        "The term's dates do not make a term: it ends after it starts, within "
        "one school year, and its closed days fall inside it."
    ),
    e.InvalidTermPolicy: N_("The term's policy cannot apply."),
    e.InvalidAmount: N_("That amount is not allowed."),
    e.InvalidRegistrationWindow: N_("That registration window cannot be opened."),
    e.RegistrationNotOpen: N_("Registration is not open, so it cannot be closed."),
    e.RateLocked: N_("Pay at that rate is approved already."),
    e.FutureDate: N_("That date is still to come."),
    e.FundWouldBeUncovered: N_(
        "Refused: the fund would then hold less than families are owed."
    ),
}
