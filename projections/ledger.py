"""The ledger read model: journal entries, their lines, balances per account."""

from collections.abc import Iterable

from psycopg import Cursor
from psycopg.sql import SQL

from domain.facts import Fact
from domain.ledger import journal, kind_of
from projections.figures import VIEW
from projections.rows import Table, insert

ENTRIES = Table(
    "ledger_entries",
    ("entry_id",),
    """
    CREATE TABLE IF NOT EXISTS ledger_entries (
        entry_id uuid PRIMARY KEY,
        position bigint NOT NULL,
        school_id uuid NOT NULL,
        effective date NOT NULL,
        recorded_at timestamptz NOT NULL,
        kind text NOT NULL,
        source_id uuid NOT NULL,
        source_version bigint NOT NULL,
        reverses uuid,
        actor text NOT NULL,
        role text NOT NULL
    );
    CREATE INDEX IF NOT EXISTS ledger_entries_school
        ON ledger_entries (school_id, effective);
    CREATE INDEX IF NOT EXISTS ledger_entries_position ON ledger_entries (position)
    """,
)

# A line belongs to the entry at its position: keyed by it, the lines of a
# batch are one range of the primary key, and no other index is needed to
# find them again. An account's lines share one key in the account index,
# which PostgreSQL then stores once with the list of its rows: a tenth of the
# size with the day in the key, so a city's index stays in memory while every
# student's account gets a line a day.
LINES = Table(
    "ledger_lines",
    ("position", "line_no"),
    """
    CREATE TABLE IF NOT EXISTS ledger_lines (
        position bigint NOT NULL,
        line_no int NOT NULL,
        effective date NOT NULL,
        school_id uuid NOT NULL,
        debit bigint NOT NULL,
        credit bigint NOT NULL,
        account text NOT NULL,
        kind text NOT NULL,
        flow text NOT NULL,
        PRIMARY KEY (position, line_no)
    );
    CREATE INDEX IF NOT EXISTS ledger_lines_account
        ON ledger_lines (school_id, account)
    """,
)

# Each account's balance by flow, and whose money it is: the rows every
# figure is summed from. Changed by most entries: 30 % of each page free keeps
# updates on their page, where they touch no index.
BALANCES = Table(
    "ledger_balances",
    ("school_id", "account", "flow"),
    """
    CREATE TABLE IF NOT EXISTS ledger_balances (
        school_id uuid NOT NULL,
        account text NOT NULL,
        flow text NOT NULL,
        kind text NOT NULL,
        student_id text,
        course_id uuid,
        debit bigint NOT NULL DEFAULT 0,
        credit bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (school_id, account, flow)
    ) WITH (fillfactor = 70);
    CREATE INDEX IF NOT EXISTS ledger_balances_student
        ON ledger_balances (school_id, student_id);
    CREATE INDEX IF NOT EXISTS ledger_balances_course ON ledger_balances (course_id);
    """
    + VIEW,
)

TABLES = (ENTRIES, LINES, BALANCES)

ENTRY_COLUMNS = (
    "entry_id",
    "position",
    "school_id",
    "effective",
    "recorded_at",
    "kind",
    "source_id",
    "source_version",
    "reverses",
    "actor",
    "role",
)
LINE_COLUMNS = (
    "position",
    "line_no",
    "effective",
    "school_id",
    "debit",
    "credit",
    "account",
    "kind",
    "flow",
)

# Whose money an account is, read off its name as ``domain.ledger.holder_of``
# does: receivable:{student}/{course}, unearned:…, awaiting:…, disputed:…,
# unallocated:{student}, payable:refund:{student}, released:{course}.
HOLDER = """
    CASE WHEN kind IN ('receivable', 'unearned', 'awaiting', 'disputed')
         THEN split_part(substr(account, length(kind) + 2), '/', 1)
         WHEN kind IN ('unallocated', 'payable:refund')
         THEN substr(account, length(kind) + 2) END AS student_id,
    CASE WHEN kind IN ('receivable', 'unearned', 'awaiting', 'disputed')
         THEN split_part(substr(account, length(kind) + 2), '/', 2)::uuid
         WHEN kind = 'released'
         THEN substr(account, length(kind) + 2)::uuid END AS course_id
"""

# Sums the lines just written into their accounts' balances: a delivered
# session posts a line per student, which PostgreSQL adds up far faster than
# Python can.
_ROLL_UP = SQL(f"""
    INSERT INTO ledger_balances
        (school_id, account, flow, kind, student_id, course_id, debit, credit)
    SELECT school_id, account, flow, kind, {HOLDER}, debit, credit FROM (
        SELECT school_id, account, flow, kind, sum(debit) AS debit,
               sum(credit) AS credit
        FROM ledger_lines WHERE position BETWEEN %(first)s AND %(last)s
        GROUP BY school_id, account, flow, kind
    ) batch
    ON CONFLICT (school_id, account, flow) DO UPDATE
    SET debit = ledger_balances.debit + EXCLUDED.debit,
        credit = ledger_balances.credit + EXCLUDED.credit
""")


def post(curs: Cursor, batch: Iterable[tuple[int, Fact]]) -> None:
    """Writes the journal entries of a batch of events, in order, with their
    lines, and moves the balances of the accounts they touch."""
    entries: list[tuple] = []
    lines: list[tuple] = []
    for position, event in batch:
        entry = journal(event)
        if entry is None:
            continue
        school, effective, entry_id = entry.school_id, entry.effective, entry.entry_id
        entries.append(
            (
                entry_id,
                position,
                school,
                effective,
                event.timestamp,
                entry.kind,
                event.originator_id,
                event.originator_version,
                entry.reverses,
                event.actor,
                event.role,
            )
        )
        lines.extend(
            (
                position,
                number,
                effective,
                school,
                line.debit,
                line.credit,
                line.account,
                kind_of(line.account),
                line.flow,
            )
            for number, line in enumerate(entry.lines, 1)
        )
    if not entries:
        return
    insert(curs, ENTRIES, ENTRY_COLUMNS, entries)
    insert(curs, LINES, LINE_COLUMNS, lines)
    first, last = entries[0][1], entries[-1][1]
    curs.execute(_ROLL_UP, {"first": first, "last": last})
