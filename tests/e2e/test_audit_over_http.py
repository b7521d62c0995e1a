"""A regulator's audit over HTTP costs what is new: the chain is checked from
the last checkpoint, a whole check is rationed, and proofs come from the
stored tree and check out without the database."""

from domain.merkle import verify_consistency, verify_inclusion
from domain.school import School
from infra.tokens import Role

SCHOOL = School.id_for("PC-101")


def test_each_check_goes_on_from_the_last(sample):
    regulator = sample.client(
        sample.token("audit-regulator", Role.REGULATOR, district="Pingcheng")
    )
    first = regulator.get("/v1/audit/verify").json()
    assert first["intact"] and first["position"] == sample.system.funds.head()
    bursar = sample.client(
        sample.token("audit-bursar", Role.BURSAR, schools=["PC-101"])
    )
    paid = bursar.post(
        f"/v1/schools/{SCHOOL}/payments",
        json={
            "student_id": "PC-101-S001",
            "amount": "1.00",
            "channel": "bank",
            "reference": "AUDIT-1",
            "received_on": "2026-10-12",
        },
    )
    assert paid.status_code == 201
    second = regulator.get("/v1/audit/verify").json()
    assert second["intact"] and second["since"] == first["position"]
    assert second["events"] >= 1 and second["position"] == sample.system.funds.head()

    whole = regulator.post("/v1/audit/verify/whole")
    assert whole.status_code == 200 and whole.json()["since"] == 0
    assert whole.json()["position"] == second["position"]
    again = regulator.post("/v1/audit/verify/whole")
    assert again.status_code == 429 and int(again.headers["Retry-After"]) > 3000


def test_proofs_check_out_without_the_database(sample):
    regulator = sample.client(
        sample.token("proof-regulator", Role.REGULATOR, district="Pingcheng")
    )
    head = sample.system.funds.head()
    proof = regulator.get(f"/v1/audit/proof/{head}").json()
    assert proof["index"] == proof["size"] - 1
    assert verify_inclusion(
        bytes.fromhex(proof["leaf"]),
        proof["index"],
        proof["size"],
        [bytes.fromhex(p) for p in proof["proof"]],
        bytes.fromhex(proof["root"]),
    )
    old = regulator.get("/v1/audit/proof/1", params={"size": 10}).json()
    extension = regulator.get("/v1/audit/consistency", params={"old_size": 10}).json()
    assert extension["old_root"] == old["root"]
    assert extension["root"] == proof["root"]
    assert verify_consistency(
        10,
        extension["size"],
        bytes.fromhex(old["root"]),
        bytes.fromhex(extension["root"]),
        [bytes.fromhex(p) for p in extension["proof"]],
    )
    beyond = regulator.get(
        "/v1/audit/consistency", params={"old_size": 10, "size": head + 100}
    )
    assert beyond.status_code == 404 and "verified events" in beyond.json()["detail"]
