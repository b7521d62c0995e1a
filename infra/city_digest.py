"""A city digest: one signed statement over the heads of every district's log.

Each district keeps its own hash chain and signs its own digests. A city
digest lists, for each district of the city, ordered by name, that district's
signed digest; a leaf is SHA-256 of the district's name and digest as compact,
key-sorted JSON, and the RFC 6962 Merkle root over those leaves (domain/merkle)
is signed with Ed25519 together with the city, the time and the list, as a
district digest is. A province auditor holding one city digest can check any
district's history against it: the district's digest is in the city's tree
(its audit path to the signed root), and today's district log extends it.
"""

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from hashlib import sha256

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.merkle import inclusion_proof, root, verify_inclusion
from infra.digests import Digest, DigestError, KeySet, check_signature, key_id


class CityDigestError(DigestError):
    pass


@dataclass(frozen=True)
class DistrictHead:
    """A district and its signed digest, as the city digest holds them."""

    district: str
    digest: Digest

    def leaf(self) -> bytes:
        held = {"district": self.district, "digest": asdict(self.digest)}
        return sha256(_compact(held)).digest()


@dataclass(frozen=True)
class DistrictProof:
    """The audit path of one district's digest to a city digest's root."""

    district: str
    digest: Digest
    index: int
    size: int
    path: tuple[str, ...]

    def holds(self, city_root: str) -> bool:
        return verify_inclusion(
            DistrictHead(self.district, self.digest).leaf(),
            self.index,
            self.size,
            [bytes.fromhex(node) for node in self.path],
            bytes.fromhex(city_root),
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> "DistrictProof":
        try:
            fields = _object(text)
            fields["digest"] = Digest(**fields["digest"])
            fields["path"] = tuple(fields["path"])
            return cls(**fields)
        except KeyError as error:
            raise CityDigestError(
                f"not a district's audit path: no field {error}"
            ) from None
        except (ValueError, TypeError) as error:
            raise CityDigestError(f"not a district's audit path: {error}") from None


@dataclass(frozen=True)
class CityDigest:
    city: str
    time: str
    districts: tuple[DistrictHead, ...]
    root: str
    key_id: str
    signature: str = ""

    def signed_bytes(self) -> bytes:
        fields = asdict(self)
        del fields["signature"]
        return _compact(fields)

    def names(self) -> list[str]:
        return [head.district for head in self.districts]

    def head_of(self, district: str) -> DistrictHead | None:
        return next((h for h in self.districts if h.district == district), None)

    def proof_of(self, district: str) -> DistrictProof:
        """The district's audit path, for whoever holds only the root."""
        head = self.head_of(district)
        if head is None:
            raise CityDigestError(
                f"district {district} is not in the city digest of {self.city}"
            )
        leaves = [h.leaf() for h in self.districts]
        index = self.names().index(district)
        path = tuple(node.hex() for node in inclusion_proof(leaves, index))
        return DistrictProof(district, head.digest, index, len(leaves), path)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> "CityDigest":
        try:
            fields = _object(text)
            fields["districts"] = tuple(
                DistrictHead(head["district"], Digest(**head["digest"]))
                for head in fields["districts"]
            )
            return cls(**fields)
        except KeyError as error:
            raise CityDigestError(f"not a city digest: no field {error}") from None
        except (ValueError, TypeError) as error:
            raise CityDigestError(f"not a city digest: {error}") from None


def city_root(heads: tuple[DistrictHead, ...]) -> str:
    return root([head.leaf() for head in heads]).hex()


def make_city_digest(
    city: str, digests: dict[str, Digest], key: Ed25519PrivateKey, now: datetime
) -> CityDigest:
    """Signs the set of district digests given, ordered by district name."""
    if not digests:
        raise CityDigestError(f"no district to sign a city digest of {city} over")
    heads = tuple(DistrictHead(name, digests[name]) for name in sorted(digests))
    unsigned = CityDigest(
        city=city,
        time=now.isoformat(),
        districts=heads,
        root=city_root(heads),
        key_id=key_id(key.public_key()),
    )
    signature = key.sign(unsigned.signed_bytes()).hex()
    return CityDigest(**asdict(unsigned) | {"districts": heads, "signature": signature})


def check_city_signature(city: CityDigest, keys: KeySet) -> None:
    """Signed by a key of the set, within that key's period, as a district
    digest is (the check reads only the fields both kinds have)."""
    try:
        check_signature(city, keys)
    except DigestError as error:
        raise CityDigestError(
            f"the city digest of {city.city} is refused: {error}"
        ) from None


def check_root(city: CityDigest) -> None:
    """Its root is the Merkle root of the district digests it lists, in order."""
    names = city.names()
    if names != sorted(set(names)):
        raise CityDigestError(
            f"the city digest of {city.city} does not list its districts once"
            " each, ordered by name"
        )
    if city_root(city.districts) != city.root:
        raise CityDigestError(
            f"the city digest of {city.city}: its root is not the root of the"
            " district digests it lists"
        )


def _object(text: str) -> dict:
    fields = json.loads(text)
    if not isinstance(fields, dict):
        raise ValueError("not a JSON object")
    return fields


def _compact(fields: dict) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
