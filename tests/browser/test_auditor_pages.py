"""An auditor finds a family's payment by its channel reference, follows it
as a flow to the sessions, the teacher and the payroll it paid, opens the
events behind one node, and takes away an inclusion proof and the signed
digest that the stand-alone checker accepts together."""

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest
from playwright.sync_api import expect

from domain.school import School
from infra.digests import create_keys, load_private, make_digest
from infra.tokens import Role

PASSPHRASE = "a passphrase for the browser tests"
REFERENCE = "PC-101-S001-0901"  # paid HW-3A; T01 was paid by September's payroll
WITHDRAWN = "PC-101-S005"  # withdrew in September; the rest was refunded
CHECKER = Path(sys.executable).parent / "fundledger"


@pytest.fixture(scope="module")
def key_set(console) -> Path:
    """The night signed a digest of the log, as `fundledger digest` does."""
    settings, system = console.served.system.settings, console.served.system
    private, published = create_keys(
        settings.keys_dir, PASSPHRASE, datetime(2026, 8, 1, tzinfo=UTC)
    )
    key = load_private(private, PASSPHRASE)
    digest = make_digest(system.verified, key, datetime(2026, 11, 20, 11, tzinfo=UTC))
    kept = settings.home / "digests" / f"digest-{digest.position}.json"
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_text(digest.to_json())
    return published


def check_proof(proof: Path, digest: Path, keys: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CHECKER, "check-proof", proof, digest, "--public-keys", keys],
        capture_output=True,
        text=True,
        timeout=60,
    )


def download(link, folder: Path) -> Path:
    with link.page.expect_download() as started:
        link.click()
    saved = folder / started.value.suggested_filename
    started.value.save_as(saved)
    return saved


def test_the_auditor_traces_a_payment_and_proves_an_event_in_chinese(
    console, desktop, key_set, tmp_path
):
    desktop.sign_in(console.auditor_token())
    page = desktop.page
    page.wait_for_url("**/auditor")
    expect(page.locator("h1")).to_have_text("本辖区学校审计")
    expect(page.locator("#chain")).to_contain_text("已签名摘要")
    desktop.screenshot("auditor-zh")
    assert desktop.unlabelled_controls() == []
    assert desktop.serious_violations() == []

    page.get_by_label("渠道流水号").fill(REFERENCE)
    page.get_by_role("button", name="查找").click()
    page.get_by_role("link", name=REFERENCE).click()
    page.wait_for_url("**/auditor/payments/*")
    expect(page.locator("h1")).to_contain_text(REFERENCE)
    expect(page.locator(".node.payment")).to_contain_text("¥360.00")
    expect(page.locator(".node.part")).to_contain_text("HW-3A")
    expect(page.locator(".node.teacher").first).to_contain_text("T01")
    expect(page.locator(".node.payroll").first).to_contain_text("SAL-T01-09")
    page.locator("details.rosters summary").first.click()
    expect(page.locator("details.rosters tbody tr").first).to_contain_text("出勤")
    desktop.screenshot("auditor-trace-zh")
    assert desktop.serious_violations() == []

    page.locator(".node.teacher a").first.click()
    page.wait_for_url("**/auditor/history/*")
    expect(page.locator("h1")).to_have_text("教师 T01 的事件")
    registered = page.locator("li.event").first
    expect(registered).to_contain_text("Teacher.Registered")
    expect(registered).to_contain_text("版本 1")
    expect(registered).to_contain_text("学校管理员")
    desktop.screenshot("auditor-history-zh")
    assert desktop.serious_violations() == []

    proof = download(registered.locator("a.download"), tmp_path)
    assert json.loads(proof.read_text())["position"] > 0
    page.goto(desktop.origin + "/auditor")
    signed = page.locator("a.download[href='/auditor/digest']")
    expect(signed).to_contain_text("下载已签名摘要")
    digest = download(signed, tmp_path)
    accepted = check_proof(proof, digest, key_set)
    assert accepted.returncode == 0, accepted.stderr

    forged = tmp_path / "forged.json"
    served = json.loads(proof.read_text())
    forged.write_text(json.dumps(served | {"leaf": "00" * 32}))
    assert check_proof(forged, digest, key_set).returncode == 1
    desktop.assert_stayed_home()


def test_the_auditor_follows_a_withdrawn_familys_payment_to_its_refund_in_english(
    console, desktop, key_set
):
    desktop.sign_in(console.auditor_token(), "en")
    page = desktop.page
    page.get_by_label("Or the family's student id").fill(WITHDRAWN)
    page.get_by_role("button", name="Find").click()
    expect(page.locator("table.payments caption")).to_have_text("1 payment found")
    page.get_by_role("link", name=f"{WITHDRAWN}-0904").click()
    page.wait_for_url("**/auditor/payments/*")
    expect(page.locator("h1")).to_have_text(f"Where payment {WITHDRAWN}-0904 went")
    expect(page.locator(".node.payroll").first).to_contain_text("Paid by payroll")
    refund = page.locator(".node.refund")
    expect(refund).to_contain_text("Refund of the unconsumed part ¥310.50")
    expect(refund).to_contain_text("paid")
    expect(refund).to_contain_text("BANK-PC-101-RF-PC-101-S005")
    desktop.screenshot("auditor-trace-en")
    assert desktop.serious_violations() == []

    refund.locator("a").click()
    page.wait_for_url("**/auditor/history/*#event-*")
    expect(page.locator("h1")).to_contain_text("Events of Refund")
    expect(page.locator("li.event:target")).to_contain_text("Refund.Approved")
    desktop.assert_stayed_home()


def test_a_proof_of_the_form_is_downloaded_for_any_position(
    console, desktop, key_set, tmp_path
):
    desktop.sign_in(console.auditor_token(), "en")
    page = desktop.page
    page.get_by_label("Event position").fill("5")
    proof = download(page.get_by_role("button", name="Download the proof"), tmp_path)
    digest = download(
        page.get_by_role("link", name="Download the signed digest"), tmp_path
    )
    assert check_proof(proof, digest, key_set).returncode == 0
    proved, signed = json.loads(proof.read_text()), json.loads(digest.read_text())
    assert proved["size"] == signed["size"]
    desktop.assert_stayed_home()


def test_a_guardian_or_a_bursar_is_refused_the_auditors_pages(console, desktop):
    desktop.sign_in(console.guardian_token("zh"))
    assert desktop.goto("/auditor").status == 403
    bursar = console.token("bursar-audit", Role.BURSAR, schools=["PC-101"])
    desktop.sign_in(bursar)
    assert desktop.goto("/auditor").status == 403
    assert desktop.goto("/auditor/proof?position=5").status == 403
    assert desktop.goto("/auditor/digest").status == 403


def test_the_verification_form_without_its_token_is_refused(console, desktop):
    desktop.sign_in(console.auditor_token())
    post = desktop.page.request.post
    assert post(desktop.origin + "/auditor/verification", form={}).status == 403
    wrong = {"csrf": "0" * 64}
    assert post(desktop.origin + "/auditor/verification", form=wrong).status == 403
    desktop.page.get_by_role("button", name="核验此后记录的事件").click()
    desktop.page.wait_for_url("**/auditor#chain")
    expect(desktop.page.locator("#chain dd").first).not_to_have_text("尚未核验")


def test_what_lies_outside_the_auditors_schools_is_not_found(console, desktop):
    one_school = console.token("pc-101-auditor", Role.AUDITOR, schools=["PC-101"])
    desktop.sign_in(one_school)
    page = desktop.page
    page.get_by_label("渠道流水号").fill("PC-102-S005-0904")
    page.get_by_role("button", name="查找").click()
    expect(page.get_by_role("status")).to_have_text("本辖区学校中没有匹配的缴费。")
    other = School.id_for("PC-102")
    assert desktop.goto(f"/auditor/history/{other}").status == 404
    assert desktop.goto(f"/auditor/history/{School.id_for('PC-101')}").status == 200
    assert desktop.goto(f"/auditor/payments/{uuid4()}").status == 404
    assert desktop.goto("/auditor/proof?position=999999999").status == 404
    assert desktop.goto("/auditor/events/999999999").status == 404
