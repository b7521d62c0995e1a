"""Each projection owns its tables and a tracking table, in one database."""

from collections.abc import Callable, Sequence
from itertools import chain
from typing import Any, ClassVar

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.projection import Projection
from psycopg import Cursor
from psycopg.sql import SQL, Identifier

from domain.facts import Fact
from projections import audit, balances, compliance, ledger, payroll
from projections.rows import Change, Table, write

Batch = Sequence[tuple[int, Fact]]


class View(PostgresTrackingRecorder):
    tables: ClassVar[tuple[Table, ...]] = ()

    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        for table in self.tables:
            self.sql_create_statements.extend(SQL(s) for s in table.statements())

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
    rows = ledger.ledger_rows


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


PROJECTIONS: tuple[type[FundProjection], ...] = (
    LedgerProjection,
    BalancesProjection,
    AuditProjection,
    PayrollProjection,
    ComplianceProjection,
)
