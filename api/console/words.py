"""Words the console shows for codes: share states, dispute grounds and
statuses, and the refusals a family may meet. Marked for the catalogues
with ``N_``; translated where shown."""

from api.errors import title_of
from api.limits import TooMany
from domain import errors as e
from domain.dispute import Grounds
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
