"""Bank statements: the published camt.053 samples must give the figures in
tests/data/camt053/SOURCES.md, and anything doubtful is refused."""

from datetime import date
from functools import cache
from pathlib import Path

import pytest

from domain.statements import (
    CREDIT,
    DEBIT,
    Statement,
    StatementError,
    check_account,
    parse_camt053,
    parse_statement_csv,
)

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "camt053"
FINNISH = "v02_fffs_finland_multi_entry_batch.xml"
ABN_AMRO = "v02_abnamro_multi_entry_batch.xml"
POSTFINANCE = "v04_postfinance_multi_entry_batch.xml"
ISO_SEK = "v04_iso20022_business_example_sek.xml"
UBS_V08 = "v08_sps_ubs_style_viafintech.xml"


@cache
def sample(name: str) -> Statement:
    return parse_camt053((SAMPLES / name).read_bytes())


def counts(statement: Statement) -> tuple[int, int]:
    directions = [line.direction for line in statement.lines]
    return directions.count(CREDIT), directions.count(DEBIT)


def entries(statement: Statement) -> list[tuple[str, int]]:
    return [(line.direction[0].upper(), line.amount) for line in statement.lines]


def camt(statements: str, *, version: str = "camt.053.001.08") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:{version}">'
        f"<BkToCstmrStmt><GrpHdr><MsgId>M1</MsgId></GrpHdr>{statements}"
        "</BkToCstmrStmt></Document>"
    ).encode()


def stmt(entries: str = "") -> str:
    return (
        "<Stmt><Id>S1</Id><Acct><Id><IBAN>CH1111111111111111111</IBAN></Id>"
        "<Ccy>CHF</Ccy></Acct>"
        f"{entries}</Stmt>"
    )


def entry(amount: str) -> str:
    return (
        f'<Ntry><Amt Ccy="CHF">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
        "<BookgDt><Dt>2023-06-20</Dt></BookgDt></Ntry>"
    )


# --- the published samples ------------------------------------------------


def test_every_sample_and_its_sources_note_are_kept_with_the_tests():
    names = {path.name for path in SAMPLES.iterdir()}
    assert {FINNISH, ABN_AMRO, POSTFINANCE, ISO_SEK, UBS_V08, "SOURCES.md"} <= names


def test_the_finnish_sample_names_its_account_statement_and_version():
    statement = sample(FINNISH)
    assert statement.account == "FI7433010001222090"
    assert statement.currency == "EUR"
    assert statement.statement_id == "BANKSTMTID0972009"
    assert statement.version == "camt.053.001.02"


def test_the_finnish_sample_has_six_credits_and_four_debits():
    statement = sample(FINNISH)
    assert counts(statement) == (6, 4)
    assert (statement.credits, statement.debits) == (2307500, 943017)


def test_the_finnish_sample_opens_on_its_opbd_although_it_also_has_a_prcd():
    statement = sample(FINNISH)
    assert (statement.opening_type, statement.opening) == ("OPBD", 1000000)
    assert statement.closing == 2364483


def test_the_finnish_sample_reconciles_to_its_closing_balance():
    statement = sample(FINNISH)
    assert statement.opening + statement.credits - statement.debits == 2364483
    assert statement.reconciles
    assert statement.foreign_lines == ()


def test_the_finnish_sample_entries_come_in_file_order_all_booked_the_same_day():
    statement = sample(FINNISH)
    assert entries(statement) == [
        ("D", 100012),
        ("D", 400000),
        ("D", 423005),
        ("C", 200000),
        ("C", 50000),
        ("C", 300000),
        ("C", 212000),
        ("C", 545500),
        ("C", 1000000),
        ("D", 20000),
    ]
    assert {line.booked_on for line in statement.lines} == {date(2009, 10, 29)}


def test_the_finnish_sample_splits_its_two_batches_with_transaction_details():
    lines = sample(FINNISH).lines
    assert lines[2].splits == (200002, 100001, 123002)
    assert lines[9].splits == (10000, 10000)
    assert sum(lines[2].splits) == lines[2].amount
    assert sum(lines[9].splits) == lines[9].amount
    assert len(lines[2].split_references) == 3
    assert len(lines[9].split_references) == 2


def test_a_finnish_batch_without_all_its_transactions_is_not_split():
    lines = sample(FINNISH).lines
    assert (lines[1].splits, lines[1].split_references) == ((), ())
    assert (lines[0].splits, lines[0].split_references) == ((), ())


def test_the_finnish_sample_prefers_the_end_to_end_id_and_keeps_remittance_text():
    lines = sample(FINNISH).lines
    assert lines[8].reference == "EndToEndIdSCT01"
    assert lines[0].reference == "091029ACCTSTMTARCH01"
    assert all(line.reference for line in lines)
    assert lines[2].description == "Invoices 123 and 321"
    assert lines[6].description == "INVOICE US20291092"


def test_the_abn_amro_sample_has_seven_credits_and_six_debits():
    statement = sample(ABN_AMRO)
    assert counts(statement) == (7, 6)
    assert (statement.credits, statement.debits) == (2800, 92800)
    assert (statement.account, statement.currency) == ("NL77ABNA0574908765", "EUR")
    assert statement.version == "camt.053.001.02"


def test_the_abn_amro_sample_opens_on_its_prcd_because_it_has_no_opbd():
    statement = sample(ABN_AMRO)
    assert (statement.opening_type, statement.opening) == ("PRCD", 100001)
    assert statement.closing == 10001


def test_the_abn_amro_sample_reconciles_to_its_closing_balance():
    statement = sample(ABN_AMRO)
    assert statement.opening + statement.credits - statement.debits == 10001
    assert statement.reconciles


def test_the_abn_amro_sample_reads_an_amount_with_a_leading_zero_exactly():
    statement = sample(ABN_AMRO)
    assert entries(statement) == [
        ("C", 100),
        ("C", 100),
        ("C", 100),
        ("C", 1000),
        ("C", 100),
        ("D", 100),
        ("D", 200),
        ("D", 200),
        ("D", 100),
        ("C", 700),
        ("C", 700),
        ("D", 100),
        ("D", 92100),
    ]


def test_the_abn_amro_sample_splits_its_batches_from_the_v02_amount_details():
    lines = sample(ABN_AMRO).lines
    assert lines[3].splits == (100,) * 10
    assert lines[6].splits == (100, 100)
    assert lines[9].splits == (100,) * 7
    assert lines[9].split_references == tuple(f"SDD SIT 024-{n}" for n in range(1, 8))
    for line in (lines[3], lines[6], lines[9]):
        assert sum(line.splits) == line.amount


def test_abn_amro_batches_without_transaction_details_are_not_split():
    lines = sample(ABN_AMRO).lines
    assert lines[7].splits == ()
    assert lines[10].splits == ()


def test_the_abn_amro_sample_skips_notprovided_end_to_end_ids():
    lines = sample(ABN_AMRO).lines
    assert all(line.reference for line in lines)
    assert not any(line.reference == "NOTPROVIDED" for line in lines)
    assert not any("NOTPROVIDED" in ref for ln in lines for ref in ln.split_references)


def test_the_abn_amro_entries_keep_their_2012_booking_dates():
    lines = sample(ABN_AMRO).lines
    assert {line.booked_on.year for line in lines[9:]} == {2012}
    assert {line.booked_on.year for line in lines[:9]} == {2013}


def test_the_postfinance_sample_has_five_credits_and_eight_debits():
    statement = sample(POSTFINANCE)
    assert counts(statement) == (5, 8)
    assert (statement.credits, statement.debits) == (181056, 127295)
    assert statement.version == "camt.053.001.04"


def test_the_postfinance_sample_takes_its_currency_from_the_balances():
    statement = sample(POSTFINANCE)
    assert (statement.account, statement.currency) == ("CH0309000000250090342", "CHF")


def test_the_postfinance_sample_reconciles_from_opbd_to_clbd():
    statement = sample(POSTFINANCE)
    assert (statement.opening_type, statement.opening) == ("OPBD", 32215216)
    assert statement.closing == 32268977
    assert statement.opening + statement.credits - statement.debits == 32268977
    assert statement.reconciles


def test_the_postfinance_sample_entries_come_in_file_order():
    statement = sample(POSTFINANCE)
    assert entries(statement) == [
        ("D", 2400),
        ("D", 32875),
        ("D", 20080),
        ("D", 63815),
        ("D", 2400),
        ("D", 3572),
        ("C", 100000),
        ("C", 62000),
        ("C", 11000),
        ("C", 2400),
        ("C", 5656),
        ("D", 600),
        ("D", 1553),
    ]
    booked = [line.booked_on for line in statement.lines]
    assert (min(booked), max(booked)) == (date(2016, 4, 6), date(2016, 5, 27))


def test_the_postfinance_sample_splits_its_four_batches():
    lines = sample(POSTFINANCE).lines
    assert lines[6].splits == tuple(
        100 * chf for chf in (100, 50, 200, 50, 100, 200, 50, 100, 50, 100)
    )
    assert lines[7].splits == tuple(
        100 * chf for chf in (50, 20, 100, 100, 30, 50, 20, 250)
    )
    assert lines[8].splits == (2000, 4000, 5000)
    assert lines[9].splits == (1500, 900)
    assert lines[9].split_references == (
        "EndToEnd-CRDBRActSame-1B9C-CHDDBB2",
        "EndToEnd-CRDBRActSame-1B9C-CHDDBB3",
    )
    for line in lines[6:10]:
        assert sum(line.splits) == line.amount
        assert len(line.split_references) == len(line.splits)


def test_postfinance_batches_of_one_transaction_are_not_split():
    lines = sample(POSTFINANCE).lines
    assert [line.splits for line in lines[10:]] == [(), (), ()]


def test_the_iso_business_example_reads_amounts_without_decimals():
    statement = sample(ISO_SEK)
    assert entries(statement) == [("C", 10567850), ("D", 20000000), ("C", 3000000)]
    assert counts(statement) == (2, 1)
    assert (statement.credits, statement.debits) == (13567850, 20000000)


def test_the_iso_business_example_is_an_othr_account_in_sek():
    statement = sample(ISO_SEK)
    assert (statement.account, statement.currency) == ("50000000054910000003", "SEK")
    assert statement.version == "camt.053.001.04"


def test_the_iso_business_example_reconciles_from_500000_sek():
    statement = sample(ISO_SEK)
    assert (statement.opening_type, statement.opening) == ("OPBD", 50000000)
    assert statement.closing == 43567850
    assert statement.reconciles


def test_the_iso_business_example_books_on_the_date_of_its_booking_timestamp():
    lines = sample(ISO_SEK).lines
    assert {line.booked_on for line in lines} == {date(2010, 10, 18)}


def test_the_iso_business_example_has_no_splits_and_takes_single_references():
    lines = sample(ISO_SEK).lines
    assert [line.splits for line in lines] == [(), (), ()]
    assert [line.reference for line in lines] == [
        "MUELL/FINP/RA12345",
        "AAAASESS-FP-ACCR-01",
        "AAAASS1085FINPSS",
    ]
    assert lines[2].currency == "SEK"


def test_the_v08_sample_is_read_with_its_figures():
    statement = sample(UBS_V08)
    assert statement.version == "camt.053.001.08"
    assert (statement.account, statement.currency) == ("CH1111111111111111111", "CHF")
    assert counts(statement) == (2, 1)
    assert entries(statement) == [("C", 47440), ("C", 8885), ("D", 2097)]
    assert (statement.opening_type, statement.opening) == ("OPBD", 8272195)
    assert statement.closing == 8451525


def test_the_v08_sample_sums_its_chf_credits_and_keeps_the_eur_debit_apart():
    statement = sample(UBS_V08)
    assert statement.credits == 56325
    assert statement.debits == 0
    [foreign] = statement.foreign_lines
    assert (foreign.direction, foreign.amount, foreign.currency) == (DEBIT, 2097, "EUR")


def test_the_v08_sample_does_not_reconcile_and_says_so():
    statement = sample(UBS_V08)
    assert not statement.reconciles
    naive = statement.opening + statement.credits - foreign_total(statement)
    assert naive == 8326423
    assert statement.closing - naive == 125102


def foreign_total(statement: Statement) -> int:
    return sum(line.amount for line in statement.foreign_lines)


def test_the_v08_sample_reads_end_to_end_ids_and_remittance():
    lines = sample(UBS_V08).lines
    assert [line.reference for line in lines] == [
        "80000004540000100095",
        "435A9287E088BDB1D97FAABD181C70C8",
        "1208481",
    ]
    assert lines[0].description == "INVOICE R77561"
    assert {line.booked_on for line in lines} == {date(2023, 6, 20)}


# --- a statement in the fund's own currency -------------------------------

CNY_V08 = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>CNY-2026-09-01</MsgId></GrpHdr>
    <Stmt>
      <Id>STMT-2026-09-01</Id>
      <Acct><Id><Othr><Id>6222020200112233445</Id></Othr></Id><Ccy>CNY</Ccy></Acct>
      <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp>
        <Amt Ccy="CNY">1000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
        <Dt><Dt>2026-09-01</Dt></Dt></Bal>
      <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp>
        <Amt Ccy="CNY">1599.50</Amt><CdtDbtInd>CRDT</CdtDbtInd>
        <Dt><Dt>2026-09-01</Dt></Dt></Bal>
      <Ntry>
        <Amt Ccy="CNY">360.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-09-01</Dt></BookgDt>
        <AcctSvcrRef>BANK-0001</AcctSvcrRef>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>FEE-S1-AUTUMN</EndToEndId></Refs>
          <Amt Ccy="CNY">360.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
          <RmtInf><Ustrd>Autumn term fee, student S1</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>
      <Ntry>
        <Amt Ccy="CNY">360.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-09-01</Dt></BookgDt>
        <AcctSvcrRef>BANK-0002</AcctSvcrRef>
        <NtryDtls>
          <Btch><NbOfTxs>2</NbOfTxs></Btch>
          <TxDtls><Refs><EndToEndId>FEE-S2-AUTUMN</EndToEndId></Refs>
            <Amt Ccy="CNY">200.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></TxDtls>
          <TxDtls><Refs><EndToEndId>FEE-S3-AUTUMN</EndToEndId></Refs>
            <Amt Ccy="CNY">160.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></TxDtls>
        </NtryDtls>
      </Ntry>
      <Ntry>
        <Amt Ccy="CNY">120.50</Amt><CdtDbtInd>DBIT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts><ValDt><Dt>2026-09-01</Dt></ValDt>
        <AcctSvcrRef>BANK-0003</AcctSvcrRef>
        <AddtlNtryInf>Art supplies</AddtlNtryInf>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
"""


def test_a_statement_in_the_funds_own_currency_reconciles():
    statement = parse_camt053(CNY_V08)
    assert (statement.account, statement.currency) == ("6222020200112233445", "CNY")
    assert (statement.opening, statement.closing) == (100000, 159950)
    assert (statement.credits, statement.debits) == (72000, 12050)
    assert statement.reconciles
    check_account(statement, account="6222020200112233445", currency="CNY")


def test_a_cny_statement_keeps_references_splits_and_descriptions():
    fee, batch, supplies = parse_camt053(CNY_V08).lines
    assert (fee.reference, fee.description) == (
        "FEE-S1-AUTUMN",
        "Autumn term fee, student S1",
    )
    assert batch.reference == "BANK-0002"
    assert batch.splits == (20000, 16000)
    assert batch.split_references == ("FEE-S2-AUTUMN", "FEE-S3-AUTUMN")
    assert (supplies.direction, supplies.amount) == (DEBIT, 12050)
    assert (supplies.description, supplies.booked_on) == (
        "Art supplies",
        date(2026, 9, 1),
    )


# --- refusals -------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused():
    data = (SAMPLES / ISO_SEK).read_bytes()
    with pytest.raises(StatementError, match="limit is 1,000"):
        parse_camt053(data, max_bytes=1000)


def test_malformed_xml_is_refused():
    with pytest.raises(StatementError, match="not well-formed XML"):
        parse_camt053(camt(stmt()).replace(b"</Stmt>", b"</Stm>"))


@pytest.mark.parametrize(
    "prologue",
    [
        '<!DOCTYPE Document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>',
        '<!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        "<!DOCTYPE Document>",
    ],
    ids=["entity-expansion", "external-entity", "bare-doctype"],
)
def test_a_document_with_a_doctype_or_entities_is_refused_before_parsing(prologue):
    data = camt(stmt()).replace(b"\n", f"\n{prologue}\n".encode(), 1)
    with pytest.raises(StatementError, match="DOCTYPE or entities"):
        parse_camt053(data)


def test_a_utf16_document_is_refused_because_it_could_hide_a_doctype():
    data = camt(stmt()).decode().replace("UTF-8", "UTF-16").encode("utf-16")
    with pytest.raises(StatementError, match="UTF-8"):
        parse_camt053(data)


def test_a_document_that_is_not_a_bank_to_customer_statement_is_refused():
    data = camt(stmt()).replace(b"BkToCstmrStmt", b"BkToCstmrAcctRpt")
    with pytest.raises(StatementError, match=r"not a camt\.053"):
        parse_camt053(data)


def test_a_file_with_two_statements_is_refused_and_says_how_many():
    with pytest.raises(StatementError, match="holds 2 Stmt elements"):
        parse_camt053(camt(stmt() + stmt()))


def test_a_file_without_a_statement_is_refused():
    with pytest.raises(StatementError, match="holds no Stmt"):
        parse_camt053(camt(""))


def test_an_amount_with_three_decimals_is_refused():
    with pytest.raises(StatementError, match=r"entry 1: amount '1\.005' has more"):
        parse_camt053(camt(stmt(entry("1.005"))))


@pytest.mark.parametrize("amount", ["1,00", "-5.00", "", "1.", ".50", "1e3", "NaN"])
def test_an_unreadable_amount_is_refused(amount):
    with pytest.raises(StatementError, match="entry 1"):
        parse_camt053(camt(stmt(entry(amount))))


def test_an_entry_without_an_amount_is_refused():
    data = camt(stmt("<Ntry><CdtDbtInd>CRDT</CdtDbtInd></Ntry>"))
    with pytest.raises(StatementError, match="entry 1 has no amount"):
        parse_camt053(data)


def test_any_camt053_namespace_version_is_read():
    statement = parse_camt053(camt(stmt(entry("12.3")), version="camt.053.001.13"))
    assert statement.version == "camt.053.001.13"
    assert [line.amount for line in statement.lines] == [1230]
    assert (statement.opening, statement.closing, statement.reconciles) == (
        None,
        None,
        False,
    )


# --- the simple bank CSV --------------------------------------------------

CSV = """Date,Reference,Description,Amount,Direction
,OPENING,,1000.00,credit
2026-09-01,FEE-S1,"Autumn fee, S1",360.00,credit
2026-09-02,FEE-S2,Autumn fee S2,360,credit
2026-09-03,SUP-7,Art supplies,120.5,debit
,CLOSING,,1599.50,credit
"""


def test_a_bank_csv_with_opening_and_closing_rows_reconciles():
    statement = parse_statement_csv(CSV, account="6222020200112233445", currency="CNY")
    assert (statement.opening_type, statement.opening) == ("OPBD", 100000)
    assert statement.closing == 159950
    assert (statement.credits, statement.debits) == (72000, 12050)
    assert statement.reconciles
    first = statement.lines[0]
    assert (first.reference, first.description, first.booked_on) == (
        "FEE-S1",
        "Autumn fee, S1",
        date(2026, 9, 1),
    )
    assert {line.currency for line in statement.lines} == {"CNY"}


def test_a_bank_csv_gives_the_same_figures_as_the_camt_statement():
    from_csv = parse_statement_csv(CSV, account="6222020200112233445", currency="CNY")
    from_xml = parse_camt053(CNY_V08)
    assert [(line.direction, line.amount) for line in from_csv.lines] == [
        (line.direction, line.amount) for line in from_xml.lines
    ]
    assert (from_csv.opening, from_csv.closing) == (from_xml.opening, from_xml.closing)


def test_a_debit_opening_row_is_a_negative_balance():
    text = "date,reference,description,amount,direction\n,OPENING,,5.00,debit\n"
    statement = parse_statement_csv(text, account="A", currency="CNY")
    assert statement.opening == -500


def test_a_bad_csv_row_is_refused_naming_its_line():
    text = CSV.replace("120.5,debit", "120.555,debit")
    with pytest.raises(StatementError, match=r"line 5: amount '120\.555'"):
        parse_statement_csv(text, account="A", currency="CNY")


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ("2026-09-02,FEE-S2,Autumn fee S2,360,sideways", "line 4: direction"),
        ("2026-09-02,FEE-S2,360,credit", "line 4: expected 5 fields"),
        ("02/09/2026,FEE-S2,Autumn fee S2,360,credit", "line 4: '02/09/2026'"),
    ],
)
def test_a_csv_row_with_a_bad_field_is_refused_naming_its_line(broken, message):
    text = CSV.replace("2026-09-02,FEE-S2,Autumn fee S2,360,credit", broken)
    with pytest.raises(StatementError, match=message):
        parse_statement_csv(text, account="A", currency="CNY")


def test_a_csv_with_another_header_is_refused():
    with pytest.raises(StatementError, match="line 1: expected the header"):
        parse_statement_csv("date,amount\n", account="A", currency="CNY")


# --- the fund's own account -----------------------------------------------


def test_a_statement_for_another_account_is_refused():
    with pytest.raises(
        StatementError,
        match="statement is for account FI7433010001222090, not the fund's NL00",
    ):
        check_account(sample(FINNISH), account="NL00", currency="EUR")


def test_a_statement_in_another_currency_is_refused():
    with pytest.raises(
        StatementError,
        match="statement is in EUR; the fund keeps CNY and does not convert",
    ):
        check_account(sample(FINNISH), account="FI7433010001222090", currency="CNY")


def test_an_account_written_with_spaces_is_the_same_account():
    check_account(sample(FINNISH), account="FI74 3301 0001 2220 90", currency="EUR")


def test_a_csv_field_beyond_any_reason_is_a_statement_error_not_a_crash():
    text = 'date,reference,description,amount,direction\n2026-09-01,R1,"'
    text += "x" * 200_000 + '",1.00,credit\n'
    with pytest.raises(StatementError, match="not a CSV statement"):
        parse_statement_csv(text, account="CN1", currency="CNY")
