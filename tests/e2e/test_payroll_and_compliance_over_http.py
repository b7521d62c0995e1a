"""Done as the people would: a bursar drafts October's pay, a second person
approves, the bursar pays; a teacher's pay explains itself; the regulator sees
the sample's two deliberate breaches and nothing else."""

import csv
import io

from domain.school import School
from domain.teacher import Teacher
from infra.tokens import Role
from samples.pingcheng import DISTRICT

SCHOOL = School.id_for("PC-101")


def test_a_month_of_pay_from_draft_to_payslips(sample):
    bursar = sample.client(sample.token("p-bursar", Role.BURSAR, schools=["PC-101"]))
    approver = sample.client(
        sample.token("p-approver", Role.BURSAR, schools=["PC-101"])
    )
    drafted = bursar.post(f"/v1/schools/{SCHOOL}/payroll", json={"month": "2026-10"})
    assert drafted.status_code == 201, drafted.text
    run = drafted.json()["id"]
    assert bursar.post(f"/v1/payroll/{run}/approval").status_code == 403
    approved = approver.post(f"/v1/payroll/{run}/approval")
    assert approved.status_code == 200, approved.text

    # the read models catch up on their own: read once they reach the approval
    found = bursar.get(
        f"/v1/payroll/{run}", params={"min_position": approved.json()["position"]}
    ).json()
    assert (found["status"], found["approved_by"]) == ("approved", "p-approver")
    references = {
        t["teacher_id"]: f"BANK-{t['teacher_code']}" for t in found["teachers"]
    }
    paid = bursar.post(
        f"/v1/payroll/{run}/payment",
        json={"bank_references": references, "paid_on": "2026-11-05"},
    )
    assert paid.status_code == 200, paid.text

    teacher = Teacher.id_for(SCHOOL, "T01")
    pay = bursar.get(
        f"/v1/teachers/{teacher}/pay/2026-10",
        params={"min_position": paid.json()["position"]},
    ).json()
    assert pay["status"] == "paid" and pay["bank_reference"] == "BANK-T01"
    assert pay["sessions"] == len(pay["lines"]) == 7  # October's service days
    assert all(line["rate"] == "50.00" and line["roster"] > 0 for line in pay["lines"])
    assert pay["gross"] == f"{7 * 50}.00"

    rows = list(
        csv.DictReader(
            io.StringIO(
                bursar.get(f"/v1/payroll/{run}/payslips", params={"format": "csv"}).text
            )
        )
    )
    assert len(rows) == sum(len(t["lines"]) for t in found["teachers"])
    assert {row["bank_reference"] for row in rows} == set(references.values())


def test_the_regulator_sees_the_two_deliberate_breaches_and_nothing_else(sample):
    regulator = sample.client(sample.token("c-reg", Role.REGULATOR, district=DISTRICT))
    body = regulator.get(f"/v1/districts/{DISTRICT}/compliance").json()
    assert [(f["school_code"], f["rule"], f["subject"]) for f in body["findings"]] == [
        ("PC-102", "ends-before-off-work", "course FB-2"),
        ("PC-102", "fee-over-cap", "course CHOIR"),
    ]
    early = body["findings"][0]
    assert {e["kind"] for e in early["evidence"]} == {"session"}
    school = regulator.get(f"/v1/schools/{School.id_for('PC-102')}/compliance").json()
    assert school["category_mix"]["homework"] > 0
    assert all(day["homework"] for day in school["days"])
