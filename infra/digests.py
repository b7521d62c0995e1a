"""Signed digests of the log, and proofs a regulator checks without our database.

A digest states: up to ``position`` the log holds ``size`` events, its hash
chain ends in ``chain_head`` and the RFC 6962 Merkle tree over the events'
leaf hashes (SHA-256 of each event's canonical bytes, see infra/chain.py) has
root ``merkle_root``; signed with Ed25519 over the digest's other fields as
compact, key-sorted JSON. Kept outside the database, it lets anyone prove
later that the history up to it was not rewritten.
"""

import json
from dataclasses import asdict, dataclass
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
PUBLIC_KEY = "digest-ed25519.pub"


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


def create_keys(folder: Path, *, force: bool = False) -> tuple[Path, Path]:
    private, public = folder / PRIVATE_KEY, folder / PUBLIC_KEY
    if private.exists() and not force:
        raise DigestError(f"a key exists already in {private}; --force replaces it")
    folder.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    private.chmod(0o600)
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, public


def load_private(path: Path) -> Ed25519PrivateKey:
    if not path.exists():
        raise DigestError(f"no signing key at {path}; run `fundledger keys create`")
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise DigestError(f"{path} is not an Ed25519 key")
    return key


def load_public(path: Path) -> Ed25519PublicKey:
    if not path.exists():
        raise DigestError(f"no public key at {path}")
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise DigestError(f"{path} is not an Ed25519 public key")
    return key


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


def check_signature(digest: Digest, key: Ed25519PublicKey) -> None:
    if digest.key_id != key_id(key):
        raise DigestError("the digest was signed with another key")
    try:
        key.verify(bytes.fromhex(digest.signature), digest.signed_bytes())
    except (InvalidSignature, ValueError):
        raise DigestError("the digest's signature does not verify") from None


@dataclass(frozen=True)
class Consistency:
    """The log now, against a saved digest."""

    intact: bool
    message: str
    old_size: int
    new_size: int
    new_root: str
    proof: list[str]


def check_against(chain: Chain, digest: Digest, key: Ed25519PublicKey) -> Consistency:
    """Proves (or refutes) that today's log extends the digest's history."""
    check_signature(digest, key)
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
