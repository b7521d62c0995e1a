"""The fundledger command line."""

import json
import os
import signal
import subprocess
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from uuid import UUID

import structlog
import typer
import uvicorn
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from api import city_cli, districts_cli, rollup_cli
from api.bootstrap import (
    System,
    bootstrap,
    projecting_alongside,
)
from api.demo import run_demo
from api.districts import Districts
from api.scheduler import scheduler_for, settle_by_time
from api.server import supervising
from api.serving import (
    alongside,
    background,
    keep_projecting,
    project_with_progress,
    serve_api,
    serve_districts,
)
from domain.errors import DomainError
from domain.school import School
from infra import districts
from infra.backup import BackupError, Refused, backup, restore, tables_of
from infra.database import Database, psql_program, supervisor
from infra.digests import (
    PRIVATE_KEY,
    Digest,
    DigestError,
    KeySet,
    check_against,
    check_inclusion,
    check_signature,
    create_keys,
    encrypted,
    load_key_set,
    load_public,
    load_signing_key,
    make_digest,
    published_keys,
    rotate_keys,
)
from infra.logging import configure_logging
from infra.settings import Settings
from infra.tokens import Grant, Role, ScopeError
from infra.verified import Busy
from projections.export import export
from samples.people import name_generated
from samples.simulate import Plan, PlanError, simulate

SIMULATION_CACHE = 60_000  # every course, teacher and term of a city; payments fall out

cli = typer.Typer(help="Supervised funds of school after-school services.")
tokens = typer.Typer(help="Create, list and revoke API tokens.")
cli.add_typer(tokens, name="tokens")
cli.add_typer(districts_cli.cli, name="districts")
cli.add_typer(rollup_cli.cli, name="rollup")
console = Console(stderr=True, soft_wrap=True)
log = structlog.get_logger("cli")


@cli.callback()
def choose_district(
    district: Annotated[
        str | None,
        typer.Option(
            help="with districts, the district a command works on (its database)",
            envvar="FUNDLEDGER_DISTRICT",
        ),
    ] = None,
) -> None:
    if district:
        os.environ["FUNDLEDGER_DISTRICT"] = district


def start(level: str = "WARNING", **overrides) -> tuple[Settings, System]:
    """Batch commands log warnings only; servers log every request. Given a
    district, its database; otherwise the home one."""
    configure_logging(level)
    settings = Settings(**overrides)
    return settings, bootstrap(settings, database=district_database(settings))


def district_database(settings: Settings) -> Database | None:
    if settings.district is None:
        return None
    district = districts.load(settings.home).named(settings.district)
    if district is None:
        names = ", ".join(districts.load(settings.home).names()) or "none"
        console.print(
            f"No district named {settings.district} is served here (districts: "
            f"{names}; `fundledger districts list`)."
        )
        raise typer.Exit(2)
    return districts.open_district(settings.home, district, settings.database)


@cli.command()
def demo() -> None:
    """Load the sample districts (once), each on a server of its own, project
    them, follow them in the city roll-up, and serve the API and the console."""
    run_demo()


@cli.command("simulate")
def simulate_command(
    schools: Annotated[int, typer.Option(help="schools to generate")] = 3,
    students: Annotated[int, typer.Option(help="students in all")] = 600,
    seed: Annotated[int, typer.Option(help="same seed, same term")] = 1,
    days: Annotated[int, typer.Option(help="school days of service")] = 30,
    teachers: Annotated[
        int, typer.Option(help="teachers, one course each (0: one per 20 students)")
    ] = 0,
    district: Annotated[str, typer.Option(help="their district")] = "Simulated",
    anomalies: Annotated[
        bool, typer.Option(help="inject a known number of each anomaly")
    ] = False,
    per_rule: Annotated[int, typer.Option(help="cases of each anomaly")] = 2,
    truth: Annotated[
        Path, typer.Option(help="where to write what was injected")
    ] = Path("truth.json"),
) -> None:
    """Generate a realistic term through the application, day by day."""
    plan = Plan(schools, students, seed, days, district, anomalies, per_rule, teachers)
    try:
        plan.check()
    except PlanError as error:
        console.print(str(error))
        raise typer.Exit(2) from None
    # the only writer while it runs, so it may trust the aggregates it keeps
    _, system = start(aggregate_cache=SIMULATION_CACHE, sole_writer=True)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} days"),
        TimeRemainingColumn(),
    )
    # the processes projecting alongside also finish the work with this one
    with projecting_alongside(system):
        try:
            with Progress(*columns, console=console) as bar:
                task = bar.add_task(f"Simulating {district}", total=days)
                found = simulate(
                    system.bus,
                    plan,
                    lambda done, total: bar.update(task, completed=done),
                )
        except DomainError as error:
            console.print(f"Nothing more was written: {error.message}")
            raise typer.Exit(1) from None
        if anomalies:
            truth.write_text(json.dumps(found.as_dict(), indent=2, default=str))
            console.print(f"What was injected: {truth}")
        system.funds.stop_caching()
        project_with_progress(system, "Projecting")
    schools = system.queries.schools_in(district)
    named = name_generated(system.bus, system.registry, system.queries, schools, seed)
    console.print(f"Named {named:,} students, guardians and teachers.")
    project_with_progress(system, "Projecting")  # the guardians' links


@cli.command()
def serve(
    projections: Annotated[
        bool, typer.Option(help="also run the projections in this process")
    ] = True,
    workers: Annotated[
        int, typer.Option(min=1, help="API processes; projections then run apart")
    ] = 1,
    scheduler: Annotated[
        bool, typer.Option(help="also run the watch rounds and the nightly run")
    ] = True,
) -> None:
    """Serve the API. With --no-projections or several --workers, run
    `fundledger project` beside it."""
    # with several workers this process serves no request: the scheduler's
    # two connections are all it needs
    settings, system = start(**({"pool_size": 2} if workers > 1 else {}))
    if districts.configured(settings.home) and not settings.district:
        if workers > 1:
            console.print("Several districts are served by one API process.")
            raise typer.Exit(2)
        serve_districts(settings, system, projections=projections, scheduler=scheduler)
        return
    if workers > 1:
        # each worker supervises its own pools; this process the server too,
        # and runs the scheduler once for all of them
        if not scheduler:
            system.close()
        watching = (
            supervising(settings, system)
            if scheduler
            else supervisor(settings, system.database, ())
        )
        jobs = background(system, projections=False, scheduler=scheduler)
        with watching, alongside(*jobs):
            uvicorn.run(
                "api.server:app",
                factory=True,
                workers=workers,
                host=settings.host,
                port=settings.port,
                log_level="warning",
            )
        return
    serve_api(settings, system, projections=projections, scheduler=scheduler)


@cli.command()
def project() -> None:
    """Run the projections as their own process, until interrupted."""
    settings, system = start("INFO")
    stop = threading.Event()
    log.info("projecting", position=system.projector.position())
    with supervising(settings, system):
        try:
            keep_projecting(system.projector, stop)
        except KeyboardInterrupt:
            stop.set()


@cli.command()
def rebuild(
    projection: Annotated[
        list[str] | None, typer.Option(help="rebuild only this read model")
    ] = None,
) -> None:
    """Empty the read models and rebuild them from position 0."""
    _, system = start()
    names = tuple(projection or ())
    known = {p.name for p in system.projector.projections}
    if unknown := set(names) - known:
        console.print(
            f"No read model named {', '.join(sorted(unknown))}; "
            f"there are: {', '.join(sorted(known))}."
        )
        raise typer.Exit(2)
    position = project_with_progress(system, "Rebuilding", names)
    console.print(f"Rebuilt up to position {position:,}.")


@cli.command("export")
def export_term(
    term: Annotated[str, typer.Option(help="term code, such as 2026-autumn")],
    school: Annotated[str | None, typer.Option(help="one school's code")] = None,
    district: Annotated[
        str | None, typer.Option(help="every school of a district")
    ] = None,
    format: Annotated[str, typer.Option(help="jsonl or csv")] = "jsonl",
    out: Annotated[Path, typer.Option(help="folder to write into")] = Path("export"),
) -> None:
    """Write a term's records for the national after-school platform."""
    if bool(school) == bool(district) or format not in ("jsonl", "csv"):
        console.print(
            "Give --school or --district (one of them) and --format jsonl|csv."
        )
        raise typer.Exit(2)
    _, system = start()
    system.projector.catch_up()
    schools = {School.id_for(school)} if school else system.queries.schools_in(district)
    manifest = export(system.queries, term=term, schools=schools, fmt=format, out=out)
    for entry in manifest["files"]:
        console.print(
            f"  {entry['file']:<26} {entry['rows']:>9,} rows  {entry['sha256']}"
        )
    if not any(entry["rows"] for entry in manifest["files"]):
        console.print(f"Nothing recorded for term {term} there.")
        raise typer.Exit(1)
    console.print(f"Wrote {out / 'manifest.json'}")


keys = typer.Typer(help="The Ed25519 keys that sign digests, and their key set.")
cli.add_typer(keys, name="keys")


def keys_folder(settings: Settings) -> Path:
    return settings.keys_dir or settings.home / "keys"


def passphrase(settings: Settings) -> str | None:
    secret = settings.key_passphrase
    return secret.get_secret_value() if secret else None


def key_files(make) -> tuple[Path, Path]:
    """Makes the key files in the keys folder; a refusal is exit 2."""
    settings = Settings()
    try:
        return make(keys_folder(settings), passphrase(settings), datetime.now(UTC))
    except DigestError as error:
        console.print(str(error))
        raise typer.Exit(2) from None


@keys.command("create")
def create_keys_command() -> None:
    """Create the signing key, encrypted with FUNDLEDGER_KEY_PASSPHRASE, and the
    key set to give whoever keeps digests."""
    private, published = key_files(create_keys)
    console.print(
        f"signing key {private} (encrypted; keep the passphrase elsewhere)\n"
        f"key set     {published} (publish it to whoever verifies digests)"
    )


@keys.command("rotate")
def rotate_keys_command() -> None:
    """Replace the signing key from now: the old private key is deleted, its
    public key stays in the key set for the digests it signed."""
    private, published = key_files(rotate_keys)
    console.print(
        f"new signing key {private} (encrypted; the old one is deleted)\n"
        f"key set         {published} (publish it again)"
    )


@cli.command("digest")
def make_digest_command(
    out: Annotated[Path | None, typer.Option(help="also write it to this file")] = None,
    district: Annotated[
        str | None, typer.Option(help="of this district's log, kept under its name")
    ] = None,
    city: Annotated[
        str | None,
        typer.Option(help="a fresh digest of each district of this city, signed"),
    ] = None,
) -> None:
    """Sign a digest of the whole log: position, chain head, Merkle root, time.
    With --city, a city digest: the Merkle root over its districts' digests."""
    if district or city:
        configure_logging("WARNING")
        if district and city:
            console.print("give --district or --city, not both")
            raise typer.Exit(2)
        if city:
            city_cli.city_digest(Settings(), city, out)
        else:
            city_cli.district_digest(Settings(), district, out)
        return
    settings, system = start()
    try:
        key = load_signing_key(keys_folder(settings), passphrase(settings))
        digest = make_digest(system.verified, key, datetime.now(UTC))
    except DigestError as error:
        console.print(str(error))
        raise typer.Exit(1) from None
    saved = out or settings.home / "digests" / f"digest-{digest.position}.json"
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_text(digest.to_json())
    print(digest.to_json())
    console.print(f"saved to {saved}")
    if not encrypted(keys_folder(settings) / PRIVATE_KEY):
        console.print(
            "the signing key is not encrypted: set FUNDLEDGER_KEY_PASSPHRASE and run"
            " `fundledger keys rotate` to replace it with an encrypted one"
        )


@cli.command()
def verify(
    digest: Annotated[
        Path | None, typer.Option(help="a saved digest the log must extend")
    ] = None,
    public_keys: Annotated[
        Path | None,
        typer.Option(help="the key set that signed it (default: ours)"),
    ] = None,
    public_key: Annotated[
        Path | None,
        typer.Option(help="or one PEM public key that signed it, at any time"),
    ] = None,
    city: Annotated[
        Path | None,
        typer.Option(help="a city digest every district's log must extend"),
    ] = None,
    district: Annotated[
        str | None, typer.Option(help="with --city: this district alone")
    ] = None,
) -> None:
    """Recompute the hash chain from the first event (and, given a digest, prove
    the log extends it); exit 1 on tampering. With --city, the same for every
    district of a city digest, after checking its signature and Merkle root."""
    if public_keys and public_key:
        console.print("give --public-keys or --public-key, not both")
        raise typer.Exit(2)
    if city:
        if digest:
            console.print("give --digest or --city, not both")
            raise typer.Exit(2)
        configure_logging("WARNING")
        settings = Settings()
        try:
            signers = signers_of(settings, public_keys, public_key)
        except DigestError as error:
            console.print(str(error))
            raise typer.Exit(1) from None
        city_cli.verify_city(settings, city, district, signers)
        return
    if district:
        console.print("--district goes with --city")
        raise typer.Exit(2)
    settings, system = start()
    try:
        verdict = system.verified.verify_whole()
    except Busy as error:
        console.print(str(error))
        raise typer.Exit(2) from None
    console.print(verdict.message)
    if not verdict.intact:
        raise typer.Exit(1)
    if digest:
        try:
            saved = Digest.from_json(digest.read_text())
            signers = signers_of(settings, public_keys, public_key)
            found = check_against(system.chain, saved, signers)
        except DigestError as error:
            console.print(str(error))
            raise typer.Exit(1) from None
        console.print(found.message)
        if not found.intact:
            raise typer.Exit(1)


def signers_of(
    settings: Settings, public_keys: Path | None, public_key: Path | None
) -> KeySet:
    if public_key:
        return KeySet.of(load_public(public_key))
    if public_keys:
        return load_key_set(public_keys)
    return published_keys(keys_folder(settings))


@cli.command("check-proof")
def check_proof(
    proof: Annotated[Path, typer.Argument(help="an inclusion proof (JSON)")],
    digest: Annotated[Path, typer.Argument(help="the signed digest it is of")],
    public_keys: Annotated[
        Path | None,
        typer.Option(help="the key set that signed it (default: ours)"),
    ] = None,
) -> None:
    """Check, without the database, that an event is in the log a signed
    digest states: the digest's signature, then the proof's audit path."""
    try:
        saved = Digest.from_json(digest.read_text())
        signers = (
            load_key_set(public_keys)
            if public_keys
            else published_keys(keys_folder(Settings()))
        )
        check_signature(saved, signers)
        proved = json.loads(proof.read_text())
        included = check_inclusion(proved, saved.__dict__)
    except (DigestError, OSError, ValueError, KeyError, TypeError) as error:
        console.print(f"not checked: {error}")
        raise typer.Exit(1) from None
    if not included:
        console.print(
            f"the event at position {proved.get('position')} is not in the log"
            f" of the digest of position {saved.position}"
        )
        raise typer.Exit(1)
    console.print(
        f"the event at position {proved['position']} is in the log of"
        f" {saved.size} events signed at {saved.time} by key {saved.key_id}"
    )


@cli.command()
def psql() -> None:
    """Open psql on the fund's database (the embedded one by default)."""
    configure_logging()
    settings = Settings()
    program = psql_program(settings, district_database(settings))
    raise typer.Exit(subprocess.call(program))


def district_system(
    settings: Settings, district: str | None, schools: tuple[str, ...]
) -> System:
    """The System of the district a token belongs to: the one it names, or
    the one its schools are registered in."""
    served = Districts(settings)
    name = served.district_of_grant(district, schools)
    if name is None:
        console.print(
            "No district served here has that name or all those schools: "
            f"{', '.join(served.names())} (`fundledger districts list`)."
        )
        raise typer.Exit(2)
    return served.system(name)


@tokens.command("create")
def create_token(
    role: Annotated[Role, typer.Option(help="what the token may do")],
    district: Annotated[str | None, typer.Option(help="a district's schools")] = None,
    school: Annotated[
        list[str] | None, typer.Option(help="a school code (repeat for auditors)")
    ] = None,
    city: Annotated[
        str | None, typer.Option(help="a city's districts, in the roll-up")
    ] = None,
    province: Annotated[
        str | None, typer.Option(help="a province's districts, in the roll-up")
    ] = None,
    subject: Annotated[
        str | None, typer.Option(help="who holds it; recorded on every event")
    ] = None,
) -> None:
    """Create a token; it is printed once and stored only as a hash. With
    districts, a district's or school's token is kept in its district's
    database, a city's or province's beside the roll-up."""
    settings, system = start()
    schools = tuple(school or ())
    if districts.configured(settings.home) and not (city or province):
        system = district_system(settings, district, schools)
    place = district or city or province or "-".join(schools)
    subject = subject or f"{role.value}-{place}".lower()
    try:
        grant, token = system.tokens.create(
            subject=subject,
            role=role,
            district=district,
            schools=schools,
            city=city,
            province=province,
        )
    except ScopeError as error:
        console.print(str(error))
        raise typer.Exit(2) from None
    console.print(f"token id {grant.token_id} for {subject}")
    print(token)


@tokens.command("revoke")
def revoke_token(token_id: UUID) -> None:
    """Revoke a token by its id; it stops working at once."""
    _, system = start()
    if not system.tokens.revoke(token_id):
        console.print(f"no active token {token_id}")
        raise typer.Exit(1)
    console.print(f"revoked {token_id}")


@tokens.command("list")
def list_tokens() -> None:
    """List tokens (never the secrets)."""
    _, system = start()
    for row in system.tokens.list():
        state = "revoked" if row["revoked_at"] else "active"
        scope = Grant.of(row).scope
        print(row["token_id"], row["role"], scope, row["subject"], state, sep="\t")


@cli.command("backup")
def backup_command(
    path: Annotated[Path, typer.Argument(help="the file to write")],
) -> None:
    """Back up the event log, its hash chain, request keys and tokens: all but
    the read models, which a restore rebuilds."""
    _, system = start()
    try:
        done = backup(system.database, path, tables_of(system.funds.recorder))
    except BackupError as error:
        console.print(str(error))
        raise typer.Exit(2 if isinstance(error, Refused) else 1) from None
    log = done.log
    console.print(
        f"Wrote {done.path} ({done.size:,} bytes): {log.events:,} events up to"
        f" position {log.head:,}, chain head {log.chain_head.hex() or '-'}."
    )


@cli.command("restore")
def restore_command(
    path: Annotated[Path, typer.Argument(help="a file written by backup")],
) -> None:
    """Restore a backup into an empty database, rebuild the read models and
    verify the hash chain; exit 1 if it does not verify."""
    _, system = start()
    try:
        log = restore(system.database, path, tables_of(system.funds.recorder))
    except BackupError as error:
        console.print(str(error))
        raise typer.Exit(2 if isinstance(error, Refused) else 1) from None
    console.print(
        f"Restored {log.events:,} events up to position {log.head:,},"
        f" chain head {log.chain_head.hex() or '-'}."
    )
    project_with_progress(system, "Rebuilding", ())
    verdict = system.verified.verify_whole()
    console.print(verdict.message)
    if not verdict.intact:
        raise typer.Exit(1)


@cli.command()
def settle() -> None:
    """Settle now what time settles (the nightly run does it too): shares
    whose families stayed silent past their last day are confirmed, disputes
    nobody answered or escalated in time lapse."""
    _, system = start()
    try:
        system.projector.catch_up()  # the candidates come from the read models
        settled = settle_by_time(system)
    finally:
        system.close()
    console.print(
        f"Looked at {settled['courses']} courses and {settled['disputes']} "
        f"disputes; the log is at {settled['position'] or 'the same position'}."
    )


@cli.command("scheduler")
def scheduler_command() -> None:
    """Run the watch rounds and the nightly run without serving (`serve` runs
    them too): alerts, chain checks, signed digests, reconciliations."""
    _, system = start("INFO")
    stop = threading.Event()
    console.print("Scheduler running; Ctrl-C stops it.")
    try:
        scheduler_for(system).run_forever(stop)
    finally:
        system.close()


def stop_on_sigterm(signum: int, frame: object) -> None:
    """SIGTERM (what systemd and container runtimes send) ends the program as
    SIGINT does: servers finish what they were answering, then the embedded
    PostgreSQL is stopped on the way out."""
    raise SystemExit(128 + signum)


def main() -> None:
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    cli()
