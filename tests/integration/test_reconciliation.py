"""The bank's statement against the ledger: a statement of the generated term
reconciles to zero, in CSV and in camt.053; a missing deposit is exactly the
line left over."""

import hashlib
from dataclasses import replace

import pytest

from application import commands as c
from domain.bank import BankStatement
from domain.errors import NoBankAccount
from domain.payroll import PayrollRun
from domain.statements import (
    StatementError,
    StatementLine,
    write_camt053,
    write_statement_csv,
)
from projections.matching import ledger_statement, reconcile
from tests.builders import BURSAR, SECOND_BURSAR
from tests.integration.test_term_story import SEP, Story

ACCOUNT = "CN1200000000000001234"


@pytest.fixture
def story(system, clock) -> Story:
    story = Story(system, clock)
    story.play()
    story.refund_b()
    story.do(c.SetBankAccount(story.school, ACCOUNT), BURSAR)
    system.projector.catch_up()
    return story


def imported(story, system, fmt: str, content: bytes):
    story.do(c.ImportStatement(story.school, fmt, content), BURSAR, SEP[30])
    system.projector.catch_up()
    statement = BankStatement.id_for(story.school, hashlib.sha256(content).hexdigest())
    return reconcile(system.queries, story.school, statement)


def bank_statement(story, system):
    return ledger_statement(system.queries, story.school, ACCOUNT, SEP[1], SEP[30])


@pytest.mark.parametrize("fmt", ["csv", "camt053"])
def test_a_statement_of_the_term_reconciles_to_zero(story, system, fmt):
    statement = bank_statement(story, system)
    content = (
        write_statement_csv(statement).encode()
        if fmt == "csv"
        else write_camt053(statement)
    )
    result = imported(story, system, fmt, content)
    assert result.difference == 0
    assert result.unmatched_lines == [] and result.unmatched_movements == []
    kinds = sorted(m.movements[0]["kind"] for m in result.matched)
    assert kinds == ["payment", "payment", "refund", "subsidy"]


def test_a_missing_deposit_is_exactly_the_line_left_over(story, system):
    statement = bank_statement(story, system)
    missing = next(line for line in statement.lines if line.reference == "B1")
    lines = tuple(line for line in statement.lines if line is not missing)
    short = replace(statement, lines=lines, closing=statement.closing - missing.amount)
    result = imported(story, system, "camt053", write_camt053(short))
    assert [m["reference"] for m in result.unmatched_movements] == ["B1"]
    assert result.unmatched_lines == []
    assert result.difference == -missing.amount


def test_a_batch_line_matches_the_payroll_it_paid(story, system):
    run = PayrollRun.id_for(story.school, SEP[1])
    story.do(c.DraftPayroll(story.school, SEP[1]), BURSAR, SEP[30])
    story.do(c.ApprovePayroll(run), SECOND_BURSAR, SEP[30])
    story.do(c.PayPayroll(run, ((story.teacher, "PAY-LI"),), SEP[30]), BURSAR, SEP[30])
    system.projector.catch_up()
    statement = bank_statement(story, system)
    batched = ("PAY-LI", "BANK-77")  # the payroll and the refund, one transfer
    batch = StatementLine(
        "BATCH-0930", 15000 + 7000, "debit", "CNY", SEP[30], "", (15000, 7000), batched
    )
    lines = (*(x for x in statement.lines if x.reference not in batched), batch)
    result = imported(
        story, system, "camt053", write_camt053(replace(statement, lines=lines))
    )
    [batch_match] = [m for m in result.matched if m.how == "batch"]
    assert [m["reference"] for m in batch_match.movements] == list(batched)
    assert result.unmatched_lines == [] and result.unmatched_movements == []
    assert result.difference == 0


def test_a_statement_of_another_account_or_currency_writes_nothing(story, system):
    statement = bank_statement(story, system)
    head = system.funds.head()
    with pytest.raises(StatementError, match="not the fund's"):
        story.do(
            c.ImportStatement(
                story.school,
                "camt053",
                write_camt053(replace(statement, account="CN9999999999999999999")),
            ),
            BURSAR,
        )
    with pytest.raises(StatementError, match="does not convert"):
        story.do(
            c.ImportStatement(
                story.school,
                "camt053",
                write_camt053(replace(statement, currency="EUR")),
            ),
            BURSAR,
        )
    with pytest.raises(StatementError):
        story.do(c.ImportStatement(story.school, "camt053", b"<not xml"), BURSAR)
    assert system.funds.head() == head


def test_the_same_file_twice_is_one_import(story, system):
    content = write_camt053(bank_statement(story, system))
    first = story.do(c.ImportStatement(story.school, "camt053", content), BURSAR)
    again = story.do(c.ImportStatement(story.school, "camt053", content), BURSAR)
    assert first == again


def test_a_school_without_an_account_cannot_import(system, clock):
    story = Story(system, clock)
    story.set_up()
    with pytest.raises(NoBankAccount, match="supervised account"):
        story.do(
            c.ImportStatement(
                story.school,
                "csv",
                b"date,reference,description,"
                b"amount,direction\n2026-09-01,X,,1.00,credit\n",
            ),
            BURSAR,
        )
