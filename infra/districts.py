"""The districts a deployment serves, each with a database of its own, named
in one settings file under home."""

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from infra.database import (
    Database,
    ensure_database,
    from_url,
    start_embedded,
    stop_server,
)

FILE = "districts.json"
NAME = r"^[A-Za-z][A-Za-z0-9_-]{0,62}$"  # it names a folder and a database
PLACE = r"^\S(.{0,62}\S)?$"  # a city's or province's name, as its bureau writes it


class DistrictError(ValueError):
    pass


class District(BaseModel):
    """A district, the city and province it reports to, and where its
    database is: ``database_url``, or by default an embedded server of its
    own under home."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=NAME)
    database_url: str | None = None
    city: str | None = Field(default=None, pattern=PLACE)
    province: str | None = Field(default=None, pattern=PLACE)

    @field_validator("database_url")
    @classmethod
    def check_url(cls, url: str | None) -> str | None:
        if url is not None:
            try:
                conninfo_to_dict(url)
            except psycopg.ProgrammingError as error:
                raise ValueError(f"not a PostgreSQL URL: {error}") from None
        return url


class DistrictList(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    districts: tuple[District, ...] = ()
    # the city and province roll-up's database; by default the home database
    rollup: str | None = None

    @field_validator("districts")
    @classmethod
    def check_unique(cls, districts: tuple[District, ...]) -> tuple[District, ...]:
        seen: set[str] = set()
        for district in districts:
            if district.name.lower() in seen:
                raise ValueError(f"district {district.name} is listed twice")
            seen.add(district.name.lower())
        return districts

    @field_validator("rollup")
    @classmethod
    def check_rollup(cls, url: str | None) -> str | None:
        return District.check_url(url)

    def named(self, name: str) -> District | None:
        return next((d for d in self.districts if d.name == name), None)

    def names(self) -> list[str]:
        return [district.name for district in self.districts]


def file_of(home: Path) -> Path:
    return home / FILE


def configured(home: Path) -> bool:
    """Districts are served when the file exists; otherwise one database."""
    return file_of(home).exists()


def load(home: Path) -> DistrictList:
    path = file_of(home)
    if not path.exists():
        return DistrictList()
    try:
        return DistrictList.model_validate_json(path.read_bytes())
    except ValidationError as error:
        raise DistrictError(
            f"{path} is not a valid list of districts: {error}"
        ) from None


def add(
    home: Path,
    name: str,
    database_url: str | None = None,
    *,
    city: str | None = None,
    province: str | None = None,
) -> District:
    """Adds a district to the file, written whole or not at all; refuses a
    name already there (whatever its case) or one that is not valid."""
    try:
        district = District(
            name=name, database_url=database_url, city=city, province=province
        )
    except ValidationError as error:
        raise DistrictError(_reason(error)) from None
    with _locked(home):
        listed = load(home)
        if any(d.name.lower() == name.lower() for d in listed.districts):
            raise DistrictError(f"a district named {name} is already there")
        added = listed.model_copy(update={"districts": (*listed.districts, district)})
        _write(file_of(home), added)
    return district


def _reason(error: ValidationError) -> str:
    [first, *_] = error.errors()
    if first["loc"] == ("name",):
        return (
            "a district's name is a letter, then up to 62 letters, digits, '-' or '_'"
        )
    if first["loc"] in (("city",), ("province",)):
        return (
            f"a {first['loc'][0]}'s name is 1 to 64 characters, not beginning"
            " or ending with a space"
        )
    return first["msg"].removeprefix("Value error, ")


@contextmanager
def _locked(home: Path) -> Iterator[None]:
    """Two additions at once: the second reads what the first wrote."""
    home.mkdir(parents=True, exist_ok=True)
    with (home / f"{FILE}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _write(path: Path, listed: DistrictList) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{FILE}.")
    try:
        with os.fdopen(handle, "w") as file:
            file.write(listed.model_dump_json(indent=2, exclude_none=True))
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def pgdata_of(home: Path, name: str) -> Path:
    return home / "districts" / name / "pgdata"


def stop_embedded(home: Path, district: District) -> bool:
    """Stops the district's embedded server, whoever started it; False when
    it was not running."""
    if district.database_url:
        raise DistrictError(f"{district.name}'s database is not embedded here")
    return stop_server(pgdata_of(home, district.name))


def open_district(home: Path, district: District, dbname: str) -> Database:
    """The district's database: the one its URL names, or ``dbname`` on its
    embedded server, started (or joined) here."""
    if district.database_url:
        return from_url(district.database_url)
    server = start_embedded(pgdata_of(home, district.name))
    return ensure_database(server, dbname)
