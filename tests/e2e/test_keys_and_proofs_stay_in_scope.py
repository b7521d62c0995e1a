"""An idempotency key and an inclusion proof tell nothing outside their scope."""

from domain.school import School
from infra.tokens import Role

SCHOOL, OTHER = School.id_for("PC-101"), School.id_for("PC-102")


def payment(reference: str, amount: str = "1.00") -> dict:
    return {
        "student_id": "PC-101-S001",
        "amount": amount,
        "channel": "bank",
        "reference": reference,
        "received_on": "2026-10-12",
    }


def test_a_key_belongs_to_the_token_that_used_it(sample):
    """A token of another school, with the same subject, sending the key and
    body to the same path, is refused by scope and learns nothing."""
    mine = sample.client(sample.token("li", Role.BURSAR, schools=["PC-101"]))
    theirs = sample.client(sample.token("li-at-102", Role.BURSAR, schools=["PC-102"]))
    key, path = {"Idempotency-Key": "K-1"}, f"/v1/schools/{SCHOOL}/payments"
    first = mine.post(path, json=payment("KEY-1"), headers=key)
    assert first.status_code == 201
    assert mine.post(path, json=payment("KEY-1"), headers=key).json() == first.json()
    assert theirs.post(path, json=payment("KEY-1"), headers=key).status_code == 404
    other = mine.post(path, json=payment("KEY-2", "2.00"), headers=key)
    assert other.status_code == 409  # the same token, another body
    elsewhere = theirs.post(
        f"/v1/schools/{OTHER}/payments",
        json=payment("KEY-1") | {"student_id": "PC-102-S101"},
        headers=key,
    )
    assert elsewhere.status_code == 201  # a key of its own


def test_a_proof_of_an_event_outside_the_tokens_schools_is_not_found(sample):
    auditor = sample.client(
        sample.token("pc-101-auditor", Role.AUDITOR, schools=["PC-101"])
    )
    system = sample.system
    mine, theirs = system.funds.position_of(SCHOOL), system.funds.position_of(OTHER)
    system.projector.catch_up()
    assert auditor.get(f"/v1/audit/proof/{mine}").status_code == 200
    assert auditor.get(f"/v1/audit/proof/{theirs}").status_code == 404
