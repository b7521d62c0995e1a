"""Each projection owns its tables and a tracking table, in one database."""

import hashlib
from collections.abc import Callable, Sequence
from itertools import chain
from typing import Any, ClassVar

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.projection import Projection
from psycopg import Cursor
from psycopg.sql import SQL, Identifier

from domain.facts import Fact
from infra.database import SCHEMA_LOCK
from projections import (
    audit,
    balances,
    compliance,
    confirmations,
    ledger,
    payroll,
    reconciliation,
    registrations,
    satisfaction,
)
from projections.rows import Change, Table, write

Batch = Sequence[tuple[int, Fact]]
_SCHEMAS = """
CREATE TABLE IF NOT EXISTS read_model_schemas (
    tracking_table text PRIMARY KEY,
    ddl_hash text NOT NULL
)
"""


class View(PostgresTrackingRecorder):
    tables: ClassVar[tuple[Table, ...]] = ()

    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        for table in self.tables:
            self.sql_create_statements.extend(SQL(s) for s in table.statements())

    @property
    def ddl_hash(self) -> str:
        ddl = "\n".join(s for table in self.tables for s in table.statements())
        return hashlib.sha256(ddl.encode()).hexdigest()

    def _create_table(self, curs: Cursor) -> None:
        """Read models are disposable: when their tables' definition changed
        since they were built, they are dropped and rebuilt from the log."""
        curs.execute(SCHEMA_LOCK)
        curs.execute(_SCHEMAS)
        curs.execute(
            "SELECT ddl_hash FROM read_model_schemas WHERE tracking_table = %s",
            (self.tracking_table_name,),
        )
        row = curs.fetchone()
        curs.execute("SELECT to_regclass(%s) AS t", (self.tracking_table_name,))
        built = curs.fetchone()["t"] is not None
        if built and (row is None or row["ddl_hash"] != self.ddl_hash):
            names = SQL(", ").join(Identifier(t.name) for t in self.tables)
            curs.execute(SQL("DROP TABLE IF EXISTS {} CASCADE").format(names))
            curs.execute(
                SQL("DELETE FROM {} WHERE application_name <> %s").format(
                    Identifier(self.tracking_table_name)
                ),
                (self.table_migration_identifier,),
            )
        super()._create_table(curs)
        curs.execute(
            "INSERT INTO read_model_schemas VALUES (%s, %s)"
            " ON CONFLICT (tracking_table)"
            " DO UPDATE SET ddl_hash = EXCLUDED.ddl_hash",
            (self.tracking_table_name, self.ddl_hash),
        )

    def reset(self, curs: Cursor, application_name: str) -> None:
        """Empties the tables and forgets the position, ready for a rebuild."""
        names = SQL(", ").join(Identifier(t.name) for t in self.tables)
        curs.execute(SQL("TRUNCATE {}").format(names))
        curs.execute(
            SQL("DELETE FROM {} WHERE application_name = %s").format(
                Identifier(self.tracking_table_name)
            ),
            (application_name,),
        )


class LedgerView(View):
    tables = ledger.TABLES


class BalancesView(View):
    tables = balances.TABLES


class AuditView(View):
    tables = audit.TABLES


class PayrollView(View):
    tables = payroll.TABLES


class ComplianceView(View):
    tables = compliance.TABLES


class ReconciliationView(View):
    tables = reconciliation.TABLES


class RegistrationsView(View):
    tables = registrations.TABLES


class SatisfactionView(View):
    tables = satisfaction.TABLES


class ConfirmationsView(View):
    tables = confirmations.TABLES


class FundProjection(Projection[View]):
    """Maps events to row changes; a batch is written with its tracking."""

    view_class: ClassVar[type[View]]
    rows: ClassVar[Callable[[Fact, int], list[Change]]]

    def apply(self, curs: Cursor, batch: Batch) -> None:
        write(curs, chain.from_iterable(type(self).rows(e, n) for n, e in batch))

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        with self.view.datastore.transaction(commit=True) as curs:
            self.apply(curs, [(tracking.notification_id, domain_event)])
            self.view._insert_tracking(curs, tracking)


class LedgerProjection(FundProjection):
    name = "ledger"
    view_class = LedgerView

    def apply(self, curs: Cursor, batch: Batch) -> None:
        ledger.post(curs, batch)


class BalancesProjection(FundProjection):
    name = "balances"
    view_class = BalancesView
    rows = balances.balance_rows


class AuditProjection(FundProjection):
    name = "audit"
    view_class = AuditView
    rows = audit.audit_rows


class PayrollProjection(FundProjection):
    name = "payroll"
    view_class = PayrollView
    rows = payroll.payroll_rows


class ComplianceProjection(FundProjection):
    name = "compliance"
    view_class = ComplianceView
    rows = compliance.compliance_rows


class ReconciliationProjection(FundProjection):
    name = "reconciliation"
    view_class = ReconciliationView
    rows = reconciliation.reconciliation_rows


class RegistrationsProjection(FundProjection):
    name = "registrations"
    view_class = RegistrationsView
    rows = registrations.registration_rows


class SatisfactionProjection(FundProjection):
    name = "satisfaction"
    view_class = SatisfactionView
    rows = satisfaction.satisfaction_rows


class ConfirmationsProjection(FundProjection):
    name = "confirmations"
    view_class = ConfirmationsView

    def apply(self, curs: Cursor, batch: Batch) -> None:
        confirmations.project(curs, batch)


PROJECTIONS: tuple[type[FundProjection], ...] = (
    LedgerProjection,
    BalancesProjection,
    AuditProjection,
    PayrollProjection,
    ComplianceProjection,
    ReconciliationProjection,
    RegistrationsProjection,
    SatisfactionProjection,
    ConfirmationsProjection,
)

SIDE_BY_SIDE: tuple[tuple[str, ...], ...] = (
    ("ledger",),
    (
        "balances",
        "audit",
        "payroll",
        "compliance",
        "reconciliation",
        "registrations",
        "satisfaction",
        "confirmations",
    ),
)
"""How the read models split between two processes: the ledger writes about
as many rows as all the others together."""
