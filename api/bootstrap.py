"""The one place where the fund is wired together, for the API, CLI and tests."""

import multiprocessing
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

from api.limits import Buckets, Limits
from application import commands as c
from application.books import Bookkeeper
from application.bus import Handler, MessageBus
from application.funds import Clock, Funds, utc_now
from application.handlers import (
    bank,
    confirmation,
    money,
    payroll,
    people,
    register,
    registration,
    setup,
)
from infra.alerts import AlertLog
from infra.calendar import prc_working_days
from infra.chain import Chain
from infra.database import Database, open_database
from infra.logging import configure_logging
from infra.recorder import RequestKeys
from infra.registry import Registry
from infra.runs import RunLog
from infra.sessions import SessionStore
from infra.settings import Settings
from infra.tokens import TokenStore
from infra.verified import VerifiedLog
from projections.queries import Queries
from projections.runner import Progress, Projector
from projections.views import PROJECTIONS, SIDE_BY_SIDE

HANDLERS: dict[type, Handler] = {
    c.RegisterSchool: setup.one_step,
    c.OpenTerm: setup.one_step,
    c.RegisterTeacher: setup.one_step,
    c.OpenCourse: setup.one_step,
    c.SetUp: setup.set_up,
    c.ChangeRate: setup.change_rate,
    c.Enrol: register.enrol,
    c.EnrolMany: register.enrol_many,
    c.ApproveLeave: register.approve_leave,
    c.Withdraw: register.withdraw,
    c.WaiveFee: register.waive_fee,
    c.OpenRegistration: registration.open_registration,
    c.CloseRegistration: registration.close_registration,
    c.Register: registration.register,
    c.RegisterMany: registration.register_many,
    c.LeaveWaitingList: registration.leave_waiting_list,
    c.RequestLeave: registration.request_leave,
    c.ApproveLeaveRequest: registration.approve_leave_request,
    c.DeclineLeaveRequest: registration.decline_leave_request,
    c.RateCourse: registration.rate_course,
    c.ConfirmShares: confirmation.confirm_shares,
    c.OpenDispute: confirmation.open_dispute,
    c.AnswerDispute: confirmation.answer_dispute,
    c.EscalateDispute: confirmation.escalate_dispute,
    c.DecideDispute: confirmation.decide_dispute,
    c.SettleByTime: confirmation.settle_by_time,
    c.DeliverSession: register.deliver_session,
    c.DeliverSessions: register.deliver_sessions,
    c.ReverseSession: register.reverse_session,
    c.RecordPayment: money.record_payment,
    c.RecordPayments: money.record_payments,
    c.ReallocatePayment: money.reallocate_payment,
    c.RequestRefund: money.request_refund,
    c.ApproveRefund: money.approve_refund,
    c.CancelRefund: money.cancel_refund,
    c.PayRefund: money.pay_refund,
    c.ReceiveSubsidy: money.receive_subsidy,
    c.AllocateSubsidy: money.allocate_subsidy,
    c.ReportSurplus: money.report_surplus,
    c.DraftPayroll: payroll.draft_payroll,
    c.ApprovePayroll: payroll.approve_payroll,
    c.PayPayroll: payroll.pay_payroll,
    c.SetBankAccount: bank.set_bank_account,
    c.ImportStatement: bank.import_statement,
    c.SaveBankFormat: bank.save_bank_format,
    c.RequestErasure: people.request_erasure,
    c.ApproveErasure: people.approve_erasure,
    c.LinkGuardian: people.link_guardian,
    c.LinkGuardians: people.link_guardians,
}


@dataclass
class System:
    database: Database
    funds: Funds
    bus: MessageBus
    projector: Projector
    queries: Queries
    tokens: TokenStore
    registry: Registry
    requests: RequestKeys
    chain: Chain
    verified: VerifiedLog
    alerts: AlertLog
    runs: RunLog
    limits: Limits
    sessions: SessionStore
    settings: Settings = field(default_factory=Settings)

    def close(self) -> None:
        self.funds.close()
        self.queries.datastore.close()


def bootstrap(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    clock: Clock = utc_now,
) -> System:
    settings = settings or Settings()
    database = database or open_database(settings)
    datastore = database.datastore(settings.pool_size)
    projections = []
    for cls in PROJECTIONS:
        view = cls.view_class(datastore, tracking_table_name=f"{cls.name}_tracking")
        view.create_table()
        projections.append(cls(view))
    queries = Queries(datastore)
    env = database.library_env(
        settings.pool_size, settings.aggregate_cache, sole_writer=settings.sole_writer
    )
    funds = Funds(env, clock=clock, calendar=prc_working_days())
    bus = MessageBus(funds, Bookkeeper(funds), HANDLERS)
    projector = Projector(
        funds,
        projections,
        conninfo=database.conninfo,
        batch_size=settings.projection_batch,
    )
    recorder = funds.recorder
    requests = RequestKeys(datastore, recorder.events_table_name)
    chain = Chain(
        datastore, database.conninfo, recorder.events_table_name, recorder.chain_table
    )
    return System(
        database,
        funds,
        bus,
        projector,
        queries,
        TokenStore(datastore),
        Registry(datastore),
        requests,
        chain,
        VerifiedLog(chain),
        AlertLog(database.conninfo),
        RunLog(database.conninfo),
        Limits(
            tokens=Buckets(settings.token_rate, settings.token_burst),
            failures=Buckets(settings.failed_auth_rate, settings.failed_auth_burst),
        ),
        SessionStore(datastore),
        settings,
    )


def project(settings: Settings, database: Database, names: Iterable[str], stop=None):
    """Projects the named read models in this process: up to the log's head,
    or until ``stop`` is set."""
    configure_logging("WARNING")
    system = bootstrap(settings, database=database)
    projector = system.projector.only(names)
    try:
        if stop is None:
            projector.catch_up()
        else:
            projector.run_forever(stop, poll=0.2)
    finally:
        system.close()


@contextmanager
def projecting_alongside(system: System) -> Iterator[None]:
    """Projects in processes of their own (as the rebuild splits the read
    models) while this one writes, so a bulk load uses every core."""
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    workers = [
        context.Process(
            target=project, args=(system.settings, system.database, group, stop)
        )
        for group in SIDE_BY_SIDE
    ]
    for worker in workers:
        worker.start()
    try:
        yield
    finally:
        stop.set()
        for worker in workers:
            worker.join()


def rebuild_side_by_side(
    system: System, names: Iterable[str] = (), progress: Progress | None = None
) -> int:
    """Empties the chosen read models and rebuilds them in two processes, the
    ledger in one and the others in the other (this process takes the first
    group); returns the position reached."""
    chosen = set(names) or {p.name for p in system.projector.projections}
    groups = [g for group in SIDE_BY_SIDE if (g := [n for n in group if n in chosen])]
    whole = system.projector.only(chosen)
    whole.reset()
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max(1, len(groups) - 1), mp_context=context) as pool:
        helpers = [
            pool.submit(project, system.settings, system.database, group)
            for group in groups[1:]
        ]

        def report(done: int, head: int) -> None:
            if progress:
                progress(whole.position(), head)

        whole.only(groups[0]).catch_up(report)
        for helper in helpers:
            helper.result()
    return whole.catch_up(progress)
