"""Digests across districts: one district's digest, the city digest over all
of a city's districts, and the check of every district against a city digest.
Called by `fundledger digest` and `fundledger verify`."""

import re
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import typer
from rich.console import Console

from api.bootstrap import System, bootstrap
from api.districts import DOWN, Districts
from infra import districts
from infra.city_digest import (
    CityDigest,
    CityDigestError,
    DistrictHead,
    check_city_signature,
    check_root,
    make_city_digest,
)
from infra.database import CONNECT_TIMEOUT, Database
from infra.digests import (
    Digest,
    DigestError,
    KeySet,
    check_against,
    check_signature,
    load_signing_key,
    make_digest,
)
from infra.districts import DistrictError, DistrictList
from infra.settings import Settings
from infra.verified import Busy

console = Console(stderr=True, soft_wrap=True)


class DistrictFailed(Exception):
    """A district that could not be digested or did not verify, and why."""

    def __init__(self, district: str, reason: str) -> None:
        super().__init__(f"district {district}: {reason}")
        self.district = district


def refuse(message: str, code: int = 1) -> typer.Exit:
    console.print(message)
    return typer.Exit(code)


def digests_folder(settings: Settings) -> Path:
    return settings.home / "digests"


def signing_key(settings: Settings):
    secret = settings.key_passphrase
    return load_signing_key(
        settings.keys_dir, secret.get_secret_value() if secret else None
    )


def listed(settings: Settings) -> DistrictList:
    try:
        return districts.load(settings.home)
    except DistrictError as error:
        raise refuse(str(error), 2) from None


def districts_of_city(listing: DistrictList, city: str) -> list[str]:
    """The districts the file places in the city; all of them while the file
    places none."""
    placed = [d for d in listing.districts if getattr(d, "city", None)]
    if not placed:
        return listing.names()
    return [d.name for d in placed if d.city == city]


def served_districts(settings: Settings) -> Districts:
    """Each district's database asked once, briefly, before the library's
    pool is opened on it: the pool tries ten times before giving up."""

    def open_answering(database: Database) -> System:
        with psycopg.connect(database.conninfo, connect_timeout=CONNECT_TIMEOUT):
            pass
        return bootstrap(settings, database=database)

    return Districts(settings, open_answering)


def one_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def digest_of(served: Districts, name: str, key, now: datetime) -> Digest:
    try:
        system = served.system(name)
        if system is None:
            raise DistrictFailed(name, "not in the districts file")
        return make_digest(system.verified, key, now)
    except DOWN as error:
        raise DistrictFailed(name, f"does not answer ({one_line(error)})") from None
    except DigestError as error:
        raise DistrictFailed(name, str(error)) from None


def keep(settings: Settings, name: str, digest: Digest) -> Path:
    saved = digests_folder(settings) / name / f"digest-{digest.position}.json"
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_text(digest.to_json())
    return saved


def district_digest(settings: Settings, name: str, out: Path | None) -> None:
    """Signs a digest of one district's log and keeps it under home."""
    if listed(settings).named(name) is None:
        raise refuse(f"no district {name} in {districts.file_of(settings.home)}", 2)
    served = served_districts(settings)
    try:
        digest = digest_of(served, name, signing_key(settings), datetime.now(UTC))
    except (DigestError, DistrictFailed) as error:
        raise refuse(str(error)) from None
    finally:
        served.close()
    saved = keep(settings, name, digest)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(digest.to_json())
    print(digest.to_json())
    console.print(f"saved to {saved}")


def city_digest(settings: Settings, city: str, out: Path | None) -> None:
    """A fresh digest of every district of the city, then the city digest
    signed over them; refused whole if one district cannot be digested."""
    if not re.fullmatch(districts.PLACE, city) or "/" in city:
        raise refuse(
            "a city's name is 1 to 64 characters, no '/', not beginning or ending"
            " with a space",
            2,
        )
    names = districts_of_city(listed(settings), city)
    if not names:
        raise refuse(f"no district of {city} in {districts.file_of(settings.home)}", 2)
    served = served_districts(settings)
    try:
        key = signing_key(settings)
        now = datetime.now(UTC)
        digests = {name: digest_of(served, name, key, now) for name in names}
        signed = make_city_digest(city, digests, key, now)
    except (DigestError, DistrictFailed) as error:
        raise refuse(f"no city digest of {city}: {error}") from None
    finally:
        served.close()
    for name, digest in digests.items():
        keep(settings, name, digest)
    stamp = now.strftime("%Y%m%dT%H%M%S%fZ")
    saved = digests_folder(settings) / f"city-{city}-{stamp}.json"
    saved.write_text(signed.to_json())
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(signed.to_json())
    print(signed.to_json())
    console.print(f"saved to {saved} ({len(names)} districts)")


def verify_city(
    settings: Settings, path: Path, district: str | None, signers: KeySet
) -> None:
    """The city digest's signature and tree, then each district's (or the one
    named) digest signature, whole chain, and extension of that digest."""
    try:
        city = CityDigest.from_json(path.read_text())
        check_city_signature(city, signers)
        heads = [in_tree(city, district)] if district else in_order(city)
    except OSError as error:
        raise refuse(f"cannot read the city digest {path}: {error.strerror}") from None
    except DigestError as error:
        raise refuse(str(error)) from None
    served = served_districts(settings)
    failed = []
    try:
        for head in heads:
            try:
                found = verified(served, head, signers)
                console.print(f"district {head.district}: {found}")
            except DistrictFailed as error:
                console.print(str(error))
                failed.append(head.district)
    finally:
        served.close()
    if failed:
        raise refuse(f"not verified against the city digest: {', '.join(failed)}")
    console.print(
        f"the city digest of {city.city} signed at {city.time} holds for"
        f" {', '.join(head.district for head in heads)}"
    )


def in_tree(city: CityDigest, district: str) -> DistrictHead:
    """The district's head, proved in the tree by its audit path alone."""
    proof = city.proof_of(district)
    if not proof.holds(city.root):
        raise CityDigestError(
            f"district {district}: its digest is not in the tree of the city"
            f" digest's root"
        )
    console.print(
        f"district {district}: its digest is under the city digest's root"
        f" (leaf {proof.index + 1} of {proof.size}, an audit path of"
        f" {len(proof.path)} {'node' if len(proof.path) == 1 else 'nodes'})"
    )
    return city.head_of(district)


def in_order(city: CityDigest) -> list[DistrictHead]:
    check_root(city)
    return list(city.districts)


def verified(served: Districts, head: DistrictHead, signers: KeySet) -> str:
    name = head.district
    try:
        check_signature(head.digest, signers)
    except DigestError as error:
        raise DistrictFailed(name, f"its digest is refused: {error}") from None
    try:
        system = served.system(name)
        if system is None:
            raise DistrictFailed(name, "in the city digest, not in the districts file")
        whole = system.verified.verify_whole()
        if not whole.intact:
            raise DistrictFailed(name, whole.message)
        found = check_against(system.chain, head.digest, signers)
    except DOWN as error:
        raise DistrictFailed(name, f"does not answer ({one_line(error)})") from None
    except (Busy, DigestError) as error:
        raise DistrictFailed(name, str(error)) from None
    if not found.intact:
        raise DistrictFailed(name, found.message)
    return f"{whole.message}; {found.message}"
