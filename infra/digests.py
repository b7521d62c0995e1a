"""Signed digests of the log, and proofs a regulator checks without our database.

A digest states: up to ``position`` the log holds ``size`` events, its hash
chain ends in ``chain_head`` and the RFC 6962 Merkle tree over the events'
leaf hashes (SHA-256 of each event's canonical bytes, see infra/chain.py) has
root ``merkle_root``; signed with Ed25519 over the digest's other fields as
compact, key-sorted JSON. Kept outside the database, it lets anyone prove
later that the history up to it was not rewritten.

The private key is kept encrypted with a passphrase; every public key ever
used, with the period it could sign in, is the published key set a digest is
checked against, so keys can be rotated without orphaning older digests.
"""

import json
import os
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from domain.merkle import (
    consistency_proof,
    root,
    verify_consistency,
    verify_inclusion,
)
from infra.chain import Chain, Link, Verdict
from infra.verified import VerifiedLog

PRIVATE_KEY = "digest-ed25519.pem"
PUBLIC_KEY = "digest-ed25519.pub"  # the one public key, before key sets
KEY_SET = "public-keys.json"
NO_PASSPHRASE = (
    "set FUNDLEDGER_KEY_PASSPHRASE: the signing key is only written encrypted"
)


class DigestError(ValueError):
    pass


@dataclass(frozen=True)
class Digest:
    position: int
    size: int
    chain_head: str
    merkle_root: str
    time: str
    key_id: str
    signature: str = ""

    def signed_bytes(self) -> bytes:
        fields = asdict(self) | {"signature": None}
        del fields["signature"]
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> "Digest":
        try:
            return cls(**json.loads(text))
        except (ValueError, TypeError) as error:
            raise DigestError(f"not a digest: {error}") from None


@dataclass(frozen=True)
class PublishedKey:
    """A public key and when its private key could sign: an open end is the
    current key, an open start a key in use before key sets were kept."""

    key_id: str
    public_key: Ed25519PublicKey
    valid_from: datetime | None
    valid_until: datetime | None

    def covers(self, time: datetime) -> bool:
        started = self.valid_from is None or self.valid_from <= time
        return started and (self.valid_until is None or time < self.valid_until)

    def period(self) -> str:
        start = self.valid_from.isoformat() if self.valid_from else "the start"
        end = self.valid_until.isoformat() if self.valid_until else "now"
        return f"{start} to {end}"

    def as_dict(self) -> dict:
        return {
            "key_id": self.key_id,
            "public_key": _public_pem(self.public_key).decode(),
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
        }

    @classmethod
    def from_dict(cls, entry: dict) -> "PublishedKey":
        key = _public_key(entry["public_key"].encode(), f"key {entry['key_id']}")
        if key_id(key) != entry["key_id"]:
            raise DigestError(f"key {entry['key_id']} of the set is another key")
        valid_from, valid_until = entry["valid_from"], entry["valid_until"]
        return cls(
            entry["key_id"],
            key,
            _time(valid_from) if valid_from else None,
            _time(valid_until) if valid_until else None,
        )


@dataclass(frozen=True)
class KeySet:
    """Every public key that ever signed digests, published to verifiers."""

    keys: tuple[PublishedKey, ...]

    @classmethod
    def of(cls, key: Ed25519PublicKey, valid_from: datetime | None = None) -> "KeySet":
        return cls((PublishedKey(key_id(key), key, valid_from, None),))

    def current(self) -> PublishedKey | None:
        return next((key for key in self.keys if key.valid_until is None), None)

    def rotated(self, new: Ed25519PublicKey, now: datetime) -> "KeySet":
        closed = tuple(
            replace(key, valid_until=now) if key.valid_until is None else key
            for key in self.keys
        )
        return KeySet((*closed, PublishedKey(key_id(new), new, now, None)))

    def signer_of(self, digest: Digest) -> PublishedKey:
        for key in self.keys:
            if key.key_id == digest.key_id:
                return key
        raise DigestError(
            f"the digest was signed with key {digest.key_id}, not in the key set"
        )

    def to_json(self) -> str:
        return json.dumps({"keys": [key.as_dict() for key in self.keys]}, indent=2)

    @classmethod
    def from_json(cls, text: str) -> "KeySet":
        try:
            return cls(
                tuple(PublishedKey.from_dict(e) for e in json.loads(text)["keys"])
            )
        except DigestError:
            raise
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            raise DigestError(f"not a key set: {error!r}") from None


def create_keys(
    folder: Path, passphrase: str | None, now: datetime
) -> tuple[Path, Path]:
    """The first signing key, encrypted, and the key set that publishes it."""
    if (folder / PRIVATE_KEY).exists() or (folder / KEY_SET).exists():
        raise DigestError(
            f"a key exists already in {folder}; `fundledger keys rotate` replaces it"
            " with a new, encrypted one"
        )
    key = Ed25519PrivateKey.generate()
    return _save(folder, key, passphrase, KeySet.of(key.public_key(), now))


def rotate_keys(
    folder: Path, passphrase: str | None, now: datetime
) -> tuple[Path, Path]:
    """A new signing key from ``now``: the old private key is replaced, its public
    key stays in the set, valid until ``now``, for the digests it signed."""
    keys = published_keys(folder)
    key = Ed25519PrivateKey.generate()
    return _save(folder, key, passphrase, keys.rotated(key.public_key(), now))


def _save(
    folder: Path, key: Ed25519PrivateKey, passphrase: str | None, keys: KeySet
) -> tuple[Path, Path]:
    if not passphrase:
        raise DigestError(NO_PASSPHRASE)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    private, published = folder / PRIVATE_KEY, folder / KEY_SET
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase.encode()),
    )
    # Published first: a key never signs before verifiers can know it.
    _replace(published, keys.to_json().encode(), 0o644)
    _replace(private, encrypted, 0o600)
    return private, published


def _replace(path: Path, data: bytes, mode: int) -> None:
    """Written beside, then renamed over: readers see the old file or the new."""
    part = path.with_name(path.name + ".part")
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    os.fchmod(fd, mode)
    with os.fdopen(fd, "wb") as file:
        file.write(data)
    os.replace(part, path)


def encrypted(path: Path) -> bool:
    """False for a key written before passphrases: loaded still, until rotated."""
    return b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in path.read_bytes()


def load_private(path: Path, passphrase: str | None) -> Ed25519PrivateKey:
    if not path.exists():
        raise DigestError(f"no signing key at {path}; run `fundledger keys create`")
    locked = encrypted(path)
    if locked and not passphrase:
        raise DigestError(f"the signing key {path} is encrypted: {NO_PASSPHRASE}")
    password = passphrase.encode() if locked and passphrase else None
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password)
    except (ValueError, TypeError):
        if locked:
            raise DigestError(
                f"FUNDLEDGER_KEY_PASSPHRASE does not open the signing key {path}"
            ) from None
        raise DigestError(f"{path} is not a private key in PEM") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise DigestError(f"{path} is not an Ed25519 key")
    return key


def load_signing_key(folder: Path, passphrase: str | None) -> Ed25519PrivateKey:
    """Our private key, if it is the set's current one: a key rotated out (or
    restored from an old copy) never signs again."""
    key = load_private(folder / PRIVATE_KEY, passphrase)
    current = published_keys(folder).current()
    if current is None or current.key_id != key_id(key.public_key()):
        raise DigestError(
            f"the signing key in {folder} is not the current key of its key set;"
            " `fundledger keys rotate` makes a new one"
        )
    return key


def load_public(path: Path) -> Ed25519PublicKey:
    if not path.exists():
        raise DigestError(f"no public key at {path}")
    return _public_key(path.read_bytes(), str(path))


def load_key_set(path: Path) -> KeySet:
    if not path.exists():
        raise DigestError(f"no key set at {path}")
    return KeySet.from_json(path.read_text())


def published_keys(folder: Path) -> KeySet:
    """Our key set or, from before key sets, the one public key, valid throughout."""
    if (folder / KEY_SET).exists():
        return load_key_set(folder / KEY_SET)
    if (folder / PUBLIC_KEY).exists():
        return KeySet.of(load_public(folder / PUBLIC_KEY))
    raise DigestError(f"no key set in {folder}; run `fundledger keys create`")


def _public_key(pem: bytes, name: str) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError:
        raise DigestError(f"{name} is not a public key in PEM") from None
    if not isinstance(key, Ed25519PublicKey):
        raise DigestError(f"{name} is not an Ed25519 public key")
    return key


def _public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _time(text: str) -> datetime:
    time = datetime.fromisoformat(text)
    if time.tzinfo is None:
        raise ValueError(f"{text} has no time zone")
    return time


def key_id(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw.hex()[:16]


def _walk(chain: Chain, size: int) -> tuple[str, list[bytes], Link | None]:
    """The log's leaves and its ``size``-th link, or what broke the chain."""
    leaves: list[bytes] = []
    at_size = None
    for item in chain.links():
        if isinstance(item, Verdict):
            return item.message, leaves, at_size
        leaves.append(item.leaf)
        if len(leaves) == size:
            at_size = item
    return "", leaves, at_size


def make_digest(verified: VerifiedLog, key: Ed25519PrivateKey, now: datetime) -> Digest:
    """Verifies the events after the last checkpoint, then signs the new one."""
    verdict = verified.advance()
    if not verdict.intact:
        raise DigestError(f"no digest of a broken log: {verdict.message}")
    last = verified.checkpoint()
    digest = Digest(
        position=last.position,
        size=last.size,
        chain_head=last.head.hex(),
        merkle_root=last.root.hex(),
        time=now.isoformat(),
        key_id=key_id(key.public_key()),
    )
    return Digest(
        **asdict(digest) | {"signature": key.sign(digest.signed_bytes()).hex()}
    )


def check_signature(digest: Digest, keys: KeySet) -> None:
    """Signed by a key of the set, and dated within the period that key signed."""
    signer = keys.signer_of(digest)
    try:
        signer.public_key.verify(bytes.fromhex(digest.signature), digest.signed_bytes())
    except (InvalidSignature, ValueError, TypeError):
        raise DigestError("the digest's signature does not verify") from None
    try:
        dated = _time(digest.time)
    except (ValueError, TypeError):
        raise DigestError(
            f"the digest's time {digest.time!r} is not a date and time with its zone"
        ) from None
    if not signer.covers(dated):
        raise DigestError(
            f"the digest is dated {digest.time}, outside the period of key "
            f"{signer.key_id} ({signer.period()})"
        )


@dataclass(frozen=True)
class Consistency:
    """The log now, against a saved digest."""

    intact: bool
    message: str
    old_size: int
    new_size: int
    new_root: str
    proof: list[str]


def check_against(chain: Chain, digest: Digest, keys: KeySet) -> Consistency:
    """Proves (or refutes) that today's log extends the digest's history."""
    check_signature(digest, keys)
    broken, leaves, at_digest = _walk(chain, digest.size)
    if broken:
        return Consistency(False, broken, digest.size, len(leaves), "", [])
    if len(leaves) < digest.size:
        message = (
            f"the log has {len(leaves)} events, fewer than the digest's {digest.size}"
        )
        return Consistency(False, message, digest.size, len(leaves), "", [])
    if at_digest and (at_digest.position, at_digest.hash.hex()) != (
        digest.position,
        digest.chain_head,
    ):
        message = f"the history up to position {digest.position} was rewritten"
        return Consistency(False, message, digest.size, len(leaves), "", [])
    new_root = root(leaves)
    proof = consistency_proof(leaves, digest.size)
    intact = verify_consistency(
        digest.size, len(leaves), bytes.fromhex(digest.merkle_root), new_root, proof
    )
    message = (
        f"the log extends the digest of position {digest.position} "
        f"({digest.size} → {len(leaves)} events)"
        if intact
        else f"the history up to position {digest.position} was rewritten"
    )
    return Consistency(
        intact,
        message,
        digest.size,
        len(leaves),
        new_root.hex(),
        [p.hex() for p in proof],
    )


def check_inclusion(proof: dict, digest: dict) -> bool:
    """Stand-alone: is this event (its leaf) in the log the digest signs?

    Needs no database: the proof as served by GET /v1/audit/proof/{position}
    and a digest of the same size (its signature checked separately)."""
    if proof["size"] != digest["size"]:
        return False
    return verify_inclusion(
        bytes.fromhex(proof["leaf"]),
        proof["index"],
        proof["size"],
        [bytes.fromhex(p) for p in proof["proof"]],
        bytes.fromhex(digest["merkle_root"]),
    )


def latest_kept(folder: Path) -> Digest | None:
    """The digest of the furthest position among those kept in a folder (as
    ``fundledger digest`` and the nightly run keep them), if any."""
    kept = []
    for path in folder.glob("digest-*.json"):
        try:
            kept.append(Digest.from_json(path.read_text()))
        except (DigestError, OSError):
            continue  # not ours to judge here: `fundledger verify --digest` is
    return max(kept, key=lambda d: (d.size, d.time), default=None)
