"""`fundledger districts`: the districts this deployment serves."""

from typing import Annotated

import typer
from rich.console import Console

from infra import districts
from infra.database import from_url
from infra.districts import District, DistrictError
from infra.settings import Settings

cli = typer.Typer(help="The districts served, each with a database of its own.")
console = Console(stderr=True, soft_wrap=True)


def where(settings: Settings, district: District) -> str:
    """Where its database is, without the password."""
    if district.database_url is None:
        return f"embedded in {districts.pgdata_of(settings.home, district.name)}"
    database = from_url(district.database_url)
    return f"{database.user}@{database.host}:{database.port}/{database.dbname}"


@cli.command("add")
def add_district(
    name: Annotated[str, typer.Argument(help="as its schools are registered")],
    database_url: Annotated[
        str | None,
        typer.Option(help="its PostgreSQL (default: an embedded server of its own)"),
    ] = None,
    city: Annotated[
        str | None, typer.Option(help="the city whose regulators it reports to")
    ] = None,
    province: Annotated[
        str | None, typer.Option(help="the province whose regulators it reports to")
    ] = None,
) -> None:
    """Add a district; a running server opens it when first asked, without a
    restart."""
    settings = Settings()
    try:
        district = districts.add(
            settings.home, name, database_url, city=city, province=province
        )
    except DistrictError as error:
        console.print(f"Nothing was written: {error}")
        raise typer.Exit(2) from None
    console.print(f"district {district.name}: {where(settings, district)}")


@cli.command("list")
def list_districts() -> None:
    """The districts served and where their databases are."""
    settings = Settings()
    try:
        listed = districts.load(settings.home)
    except DistrictError as error:
        console.print(str(error))
        raise typer.Exit(2) from None
    if not listed.districts:
        console.print(
            f"No districts in {districts.file_of(settings.home)}: one database."
        )
    for district in listed.districts:
        place = " / ".join(filter(None, (district.province, district.city))) or "-"
        print(district.name, place, where(settings, district), sep="\t")


def embedded(settings: Settings, name: str) -> District:
    try:
        district = districts.load(settings.home).named(name)
    except DistrictError as error:
        console.print(str(error))
        raise typer.Exit(2) from None
    if district is None:
        console.print(f"No district named {name} (`fundledger districts list`).")
        raise typer.Exit(2)
    if district.database_url:
        console.print(f"{name}'s database is not embedded here: stop it where it is.")
        raise typer.Exit(2)
    return district


@cli.command("stop")
def stop_district(
    name: Annotated[str, typer.Argument(help="a district on an embedded server")],
) -> None:
    """Stop a district's embedded server, as if its machine went down: the
    roll-up marks it stale; its schools' requests are refused until it is
    started again."""
    settings = Settings()
    district = embedded(settings, name)
    if districts.stop_embedded(settings.home, district):
        console.print(f"district {name}: its server is stopped")
    else:
        console.print(f"district {name}: its server was not running")


@cli.command("start")
def start_district(
    name: Annotated[str, typer.Argument(help="a district on an embedded server")],
) -> None:
    """Start a district's embedded server again; while another fundledger
    process uses it, it keeps running after this command ends."""
    settings = Settings()
    district = embedded(settings, name)
    database = districts.open_district(settings.home, district, settings.database)
    console.print(f"district {name}: its server is running ({database.host})")
