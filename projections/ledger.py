"""The ledger read model: journal entries, their lines, balances per account."""

from domain.facts import Fact
from domain.ledger import journal, kind_of
from projections.rows import Add, Change, Insert, Table

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

LINES = Table(
    "ledger_lines",
    ("entry_id", "line_no"),
    """
    CREATE TABLE IF NOT EXISTS ledger_lines (
        entry_id uuid NOT NULL,
        line_no int NOT NULL,
        position bigint NOT NULL,
        school_id uuid NOT NULL,
        effective date NOT NULL,
        account text NOT NULL,
        kind text NOT NULL,
        flow text NOT NULL,
        debit bigint NOT NULL,
        credit bigint NOT NULL,
        PRIMARY KEY (entry_id, line_no)
    );
    CREATE INDEX IF NOT EXISTS ledger_lines_account
        ON ledger_lines (school_id, account, effective);
    CREATE INDEX IF NOT EXISTS ledger_lines_position
        ON ledger_lines (school_id, position)
    """,
)

# Changed by most entries: 30 % of each page free keeps updates on their page.
BALANCES = Table(
    "ledger_balances",
    ("school_id", "account"),
    """
    CREATE TABLE IF NOT EXISTS ledger_balances (
        school_id uuid NOT NULL,
        account text NOT NULL,
        kind text NOT NULL DEFAULT '',
        debit bigint NOT NULL DEFAULT 0,
        credit bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (school_id, account)
    ) WITH (fillfactor = 70);
    CREATE INDEX IF NOT EXISTS ledger_balances_kind ON ledger_balances (school_id, kind)
    """,
)

TABLES = (ENTRIES, LINES, BALANCES)


def ledger_rows(event: Fact, position: int) -> list[Change]:
    entry = journal(event)
    if entry is None:
        return []
    changes: list[Change] = [
        Insert(
            ENTRIES,
            {
                "entry_id": entry.entry_id,
                "position": position,
                "school_id": entry.school_id,
                "effective": entry.effective,
                "recorded_at": event.timestamp,
                "kind": entry.kind,
                "source_id": event.originator_id,
                "source_version": event.originator_version,
                "reverses": entry.reverses,
                "actor": event.actor,
                "role": event.role,
            },
        )
    ]
    for number, line in enumerate(entry.lines, 1):
        kind = kind_of(line.account)
        changes.append(
            Insert(
                LINES,
                {
                    "entry_id": entry.entry_id,
                    "line_no": number,
                    "position": position,
                    "school_id": entry.school_id,
                    "effective": entry.effective,
                    "account": line.account,
                    "kind": kind,
                    "flow": line.flow,
                    "debit": line.debit,
                    "credit": line.credit,
                },
            )
        )
        changes.append(
            Add(
                BALANCES,
                (entry.school_id, line.account),
                {"debit": line.debit, "credit": line.credit},
                {"kind": kind},
            )
        )
    return changes
