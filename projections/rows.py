"""Row changes a projection asks for, and how a batch of them is written.

A projection maps each event to a list of changes (a pure function, testable
without a database). A batch of changes is then merged in memory and written
with one statement per table and shape (new rows in bulk by COPY), so a batch
of thousands of events costs a handful of round trips.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from psycopg import Cursor
from psycopg.sql import SQL, Identifier

COPY_FROM = 50  # rows of one shape: fewer go as a pipelined executemany


@dataclass(frozen=True, eq=False)  # one object per table: hashed by identity
class Table:
    name: str
    key: tuple[str, ...]
    ddl: str

    def statements(self) -> list[str]:
        return [s.strip() for s in self.ddl.split(";") if s.strip()]


# Changes are named tuples: a batch makes tens of thousands of them.
class Insert(NamedTuple):
    """A new row that no later event changes: a journal line, an audit record."""

    table: Table
    row: dict[str, Any]


class Put(NamedTuple):
    """Sets columns of the row with this key, creating it when missing.

    PostgreSQL checks NOT NULL before ON CONFLICT, so a table that takes
    partial puts keeps its other columns nullable."""

    table: Table
    key: tuple[Any, ...]
    values: dict[str, Any]


class Add(NamedTuple):
    """Adds to counters of the row with this key, creating it when missing
    with the ``fixed`` columns, which later adds leave as they are."""

    table: Table
    key: tuple[Any, ...]
    deltas: dict[str, int]
    fixed: dict[str, Any] | None = None


Change = Insert | Put | Add


def write(curs: Cursor, changes: Iterable[Change]) -> None:
    """Writes a batch of changes with the same result as one at a time.

    Puts to one row are merged in order, adds to one row summed; puts and adds
    touch different columns, so applying all puts before all adds is the same
    as interleaving them.
    """
    inserts: dict[tuple[Table, tuple[str, ...]], list[tuple]] = defaultdict(list)
    puts: dict[tuple[Table, tuple], dict[str, Any]] = {}
    adds: dict[tuple[Table, tuple], dict[str, int]] = {}
    fixed: dict[tuple[Table, tuple], dict[str, Any]] = {}
    for change in changes:
        if isinstance(change, Insert):
            columns = tuple(change.row)
            inserts[(change.table, columns)].append(tuple(change.row.values()))
        elif isinstance(change, Put):
            puts.setdefault((change.table, change.key), {}).update(change.values)
        else:
            row = (change.table, change.key)
            if (sums := adds.get(row)) is None:
                sums = adds[row] = {}
                fixed[row] = change.fixed or {}
            for column, delta in change.deltas.items():
                sums[column] = sums.get(column, 0) + delta
    for (table, columns), rows in inserts.items():
        insert(curs, table, columns, rows)
    _upsert(curs, puts, {}, "{col} = EXCLUDED.{col}")
    _upsert(curs, adds, fixed, "{col} = {table}.{col} + EXCLUDED.{col}")


def insert(
    curs: Cursor, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """New rows of one shape: few as a pipelined executemany, many by COPY."""
    if len(rows) < COPY_FROM:
        curs.executemany(_insert(table.name, columns), rows)
    else:
        _copy(curs, Identifier(table.name), columns, rows)


def _copy(curs: Cursor, table: Identifier, columns: Sequence[str], rows) -> None:
    """Binary COPY when every column has a binary form here (psycopg then
    formats rows in C); text otherwise."""
    names = SQL(", ").join(map(Identifier, columns))
    types = _types(curs, table, names)
    binary = not JSON_TYPES & set(types)
    statement = SQL("COPY {} ({}) FROM STDIN").format(table, names)
    if binary:
        statement += SQL(" (FORMAT BINARY)")
    with curs.copy(statement) as copy:
        if binary:
            copy.set_types(types)
        for row in rows:
            copy.write_row(row)


JSON_TYPES = {114, 3802}  # json, jsonb: a str is taken as a JSON document in text
_TYPES: dict[tuple[str, str], list[int]] = {}


def _types(curs: Cursor, table: Identifier, names: SQL) -> list[int]:
    key = (table.as_string(curs), names.as_string(curs))
    if key not in _TYPES:
        curs.execute(SQL("SELECT {} FROM {} LIMIT 0").format(names, table))
        _TYPES[key] = [column.type_code for column in curs.description]
    return _TYPES[key]


def _insert(table: str, columns: Sequence[str]) -> SQL:
    return SQL("INSERT INTO {} ({}) VALUES ({})").format(
        Identifier(table),
        SQL(", ").join(map(Identifier, columns)),
        SQL(", ").join(SQL("%s") for _ in columns),
    )


def _upsert(
    curs: Cursor,
    merged: dict[tuple[Table, tuple], dict[str, Any]],
    fixed: dict[tuple[Table, tuple], dict[str, Any]],
    set_: str,
) -> None:
    """Few rows go as one pipelined statement each; many are copied into a
    staging table of the same columns and merged with one statement."""
    shapes: dict[tuple[Table, tuple[str, ...], tuple[str, ...]], list[tuple]]
    shapes = defaultdict(list)
    for (table, key), values in merged.items():
        new = fixed.get((table, key), {})
        shapes[(table, tuple(new), tuple(values))].append(
            (*key, *new.values(), *values.values())
        )
    for (table, created, columns), rows in shapes.items():
        target = Identifier(table.name)
        every = (*table.key, *created, *columns)
        on_conflict = SQL(" ON CONFLICT ({}) DO UPDATE SET {}").format(
            SQL(", ").join(map(Identifier, table.key)),
            SQL(", ").join(
                SQL(set_).format(col=Identifier(c), table=target) for c in columns
            ),
        )
        if len(rows) < COPY_FROM:
            curs.executemany(_insert(table.name, every) + on_conflict, rows)
            continue
        names = SQL(", ").join(map(Identifier, every))
        stage = Identifier(f"stage_{table.name}")
        curs.execute(
            SQL(
                "CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA"
            ).format(stage, names, target)
        )
        _copy(curs, stage, every, rows)
        curs.execute(
            SQL("INSERT INTO {} ({}) SELECT {} FROM {}").format(
                target, names, names, stage
            )
            + on_conflict
        )
        curs.execute(SQL("DROP TABLE {}").format(stage))
