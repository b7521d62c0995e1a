"""What a console form needs: its fields read by the API's own request
model (the same rules, the same 422), its command sent as the API sends it
(read models waited for), and a refusal said on the page with the rule's
status, never a 500."""

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from api.console.web import Visit
from api.console.words import N_, refusal
from api.deps import wait_for
from api.requests import TermCreate
from domain.errors import DomainError

B = TypeVar("B", bound=BaseModel)


class Said(Exception):
    """A form refused: what the page says, its status, and the rule's own
    words (in English, for the record) where it gave them."""

    def __init__(self, message: str, status: int, detail: str | None = None) -> None:
        super().__init__(message)
        self.message, self.status, self.detail = message, status, detail


def read(visit: Visit, model: type[B], **fields: object) -> B:
    """A form read by the API's own request model: the same rules, the same
    refusals (422). A field left empty is left out."""
    given = {k: v for k, v in fields.items() if v is not None and v != ""}
    try:
        return model.model_validate(given)
    except ValidationError as error:
        speaker = visit.speaker
        labels = FIELDS | (TERM_FIELDS if model is TermCreate else {})
        problems = "; ".join(
            f"{speaker.gettext(labels.get(str(e['loc'][0]), str(e['loc'][0])))}: "
            f"{e['msg']}"
            if e["loc"]
            else e["msg"]
            for e in error.errors()
        )
        text = speaker.gettext("Please check the form: %(problems)s")
        raise Said(text % {"problems": problems}, 422) from None


def send(visit: Visit, command) -> int:
    """The command handled as the API handles it; read models waited for."""
    try:
        position = visit.system.bus.handle(command, visit.principal.actor)
    except DomainError as error:
        message = visit.speaker.gettext(refusal(error))
        raise Said(message, error.status, error.message) from None
    wait_for(visit.system, position)
    return position


FIELDS = {
    "day": N_("Day"),
    "starts": N_("Check-in"),
    "ends": N_("Check-out"),
    "teacher_id": N_("Teacher"),
    "present": N_("Present"),
    "reason": N_("Reason"),
    "code": N_("Code"),
    "name": N_("Name"),
    "category": N_("Category"),
    "capacity": N_("Capacity"),
    "fee": N_("Fee"),
    "fee_per_term": N_("Fee per term"),
    "fee_cap": N_("Fee cap"),
    "planned_sessions": N_("Planned sessions"),
    "refund_deadline_days": N_("Days to refund after a withdrawal"),
    "closed_days": N_("Closed days"),
    "release": N_("Shares released"),
    "silence_days": N_("Silence confirms after (working days)"),
    "answer_days": N_("Days to answer a dispute"),
    "kind": N_("Kind"),
    "rate": N_("Rate per session"),
    "since": N_("Since"),
    "effective": N_("From"),
    "opens": N_("Opens"),
    "closes": N_("Closes"),
    "student_id": N_("Student id"),
    "on": N_("Enrolled from"),
    "amount": N_("Amount"),
    "channel": N_("Channel"),
    "received_on": N_("Received on"),
    "course_id": N_("Course"),
    "lines": N_("Course paid for"),
    "paid_on": N_("Paid on"),
    "bank_references": N_("Bank reference"),
    "evidence": N_("Evidence"),
    "format": N_("Kind"),
    "content": N_("File"),
    "bank_format": N_("Bank format"),
}
TERM_FIELDS = {"starts": N_("First day"), "ends": N_("Last day")}
