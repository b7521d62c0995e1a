"""What a bursar is told when a command breaks a rule.

Each error has a stable ``code`` that the API turns into a problem type.
"""


class DomainError(Exception):
    code = "domain-error"
    status = 422

    def __init__(self, message: str, **context: object) -> None:
        super().__init__(message)
        self.message = message
        self.context = context


class NotFound(DomainError):
    code = "not-found"
    status = 404


class AlreadyExists(DomainError):
    code = "already-exists"
    status = 409


class Conflict(DomainError):
    code = "conflict"
    status = 409


class InvalidAmount(DomainError):
    code = "invalid-amount"


class InvalidSetup(DomainError):
    code = "invalid-setup"


class OutsideTerm(DomainError):
    code = "outside-term"


class CourseFull(DomainError):
    code = "course-full"
    status = 409


class NotEnrolled(DomainError):
    code = "not-enrolled"


class AlreadyEnrolled(DomainError):
    code = "already-enrolled"
    status = 409


class AlreadyWithdrawn(DomainError):
    code = "already-withdrawn"
    status = 409


class InvalidSession(DomainError):
    code = "invalid-session"


class SessionAlreadyDelivered(DomainError):
    code = "session-already-delivered"
    status = 409


class SessionNotDelivered(DomainError):
    code = "session-not-delivered"


class PaymentConflict(DomainError):
    code = "payment-reference-conflict"
    status = 409


class InsufficientCredit(DomainError):
    code = "insufficient-credit"


class InsufficientSubsidy(DomainError):
    code = "insufficient-subsidy"


class SameApprover(DomainError):
    code = "four-eyes"
    status = 403


class InvalidTransition(DomainError):
    code = "invalid-transition"
    status = 409
