"""The signing key at rest, its rotation, and the key set verifiers trust."""

import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from api.cli import cli
from application import commands as c
from infra.digests import (
    KEY_SET,
    PRIVATE_KEY,
    PUBLIC_KEY,
    DigestError,
    check_against,
    check_signature,
    create_keys,
    load_key_set,
    load_private,
    load_signing_key,
    make_digest,
    rotate_keys,
)
from tests.builders import BURSAR
from tests.integration.test_term_story import SEP, Story

PASSPHRASE = "correct horse battery staple"
CREATED = datetime(2026, 9, 1, tzinfo=UTC)
BEFORE = datetime(2026, 9, 10, tzinfo=UTC)
ROTATED = datetime(2026, 9, 15, tzinfo=UTC)
AFTER = datetime(2026, 9, 20, tzinfo=UTC)


@pytest.fixture
def story(system, clock) -> Story:
    story = Story(system, clock)
    story.play()
    return story


def test_the_signing_key_is_encrypted_at_rest(tmp_path):
    private, _ = create_keys(tmp_path / "keys", PASSPHRASE, CREATED)
    pem = private.read_bytes()
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert private.stat().st_mode & 0o777 == 0o600
    with pytest.raises(TypeError):
        serialization.load_pem_private_key(pem, password=None)
    with pytest.raises(DigestError, match="is encrypted: set FUNDLEDGER_KEY_PASS"):
        load_private(private, None)
    assert isinstance(load_private(private, PASSPHRASE), Ed25519PrivateKey)


def test_a_wrong_passphrase_is_refused_clearly(tmp_path):
    private, _ = create_keys(tmp_path / "keys", PASSPHRASE, CREATED)
    with pytest.raises(DigestError, match="does not open the signing key"):
        load_private(private, "not the passphrase")


def test_no_key_is_written_without_a_passphrase(tmp_path):
    for missing in (None, ""):
        with pytest.raises(DigestError, match="FUNDLEDGER_KEY_PASSPHRASE"):
            create_keys(tmp_path / "keys", missing, CREATED)
    assert not (tmp_path / "keys").exists()


def test_a_digest_signed_before_rotation_still_verifies_with_the_key_set(
    story, system, tmp_path
):
    folder = tmp_path / "keys"
    create_keys(folder, PASSPHRASE, CREATED)
    old = load_signing_key(folder, PASSPHRASE)
    before = make_digest(system.verified, old, BEFORE)
    rotate_keys(folder, PASSPHRASE, ROTATED)
    after = make_digest(system.verified, load_signing_key(folder, PASSPHRASE), AFTER)
    published = load_key_set(folder / KEY_SET)  # as a verifier reads it
    check_signature(before, published)
    check_signature(after, published)
    assert after.key_id != before.key_id
    story.do(c.RecordPayment(story.school, "a", 100, "bank", "LATER", SEP[9]), BURSAR)
    assert check_against(system.chain, before, published).intact


def test_the_old_key_signing_after_rotation_is_refused(story, system, tmp_path):
    folder = tmp_path / "keys"
    create_keys(folder, PASSPHRASE, CREATED)
    old = load_signing_key(folder, PASSPHRASE)
    rotate_keys(folder, PASSPHRASE, ROTATED)
    stolen = make_digest(system.verified, old, AFTER)
    with pytest.raises(DigestError, match="outside the period of key"):
        check_signature(stolen, load_key_set(folder / KEY_SET))
    too_early = make_digest(system.verified, old, datetime(2026, 8, 1, tzinfo=UTC))
    with pytest.raises(DigestError, match="outside the period of key"):
        check_signature(too_early, load_key_set(folder / KEY_SET))


def test_a_rotated_out_key_restored_from_a_copy_does_not_sign(tmp_path):
    folder = tmp_path / "keys"
    private, _ = create_keys(folder, PASSPHRASE, CREATED)
    copy = private.read_bytes()
    rotate_keys(folder, PASSPHRASE, ROTATED)
    assert private.read_bytes() != copy
    private.write_bytes(copy)
    with pytest.raises(DigestError, match="not the current key"):
        load_signing_key(folder, PASSPHRASE)


def test_the_key_set_lists_every_key_with_the_period_it_signed(tmp_path):
    folder = tmp_path / "keys"
    create_keys(folder, PASSPHRASE, CREATED)
    rotate_keys(folder, PASSPHRASE, ROTATED)
    rotate_keys(folder, "a new passphrase", AFTER)
    keys = json.loads((folder / KEY_SET).read_text())["keys"]
    periods = [(k["valid_from"], k["valid_until"]) for k in keys]
    assert periods == [
        (CREATED.isoformat(), ROTATED.isoformat()),
        (ROTATED.isoformat(), AFTER.isoformat()),
        (AFTER.isoformat(), None),
    ]
    assert all(k["public_key"].startswith("-----BEGIN PUBLIC KEY-----") for k in keys)
    assert len({k["key_id"] for k in keys}) == 3
    load_private(folder / PRIVATE_KEY, "a new passphrase")


def test_a_key_from_before_passphrases_signs_until_rotated(story, system, tmp_path):
    folder = write_unencrypted_key(tmp_path / "keys")
    before = make_digest(system.verified, load_signing_key(folder, None), BEFORE)
    with pytest.raises(DigestError, match="keys rotate"):
        create_keys(folder, PASSPHRASE, CREATED)
    rotate_keys(folder, PASSPHRASE, ROTATED)
    assert (folder / PRIVATE_KEY).read_bytes().startswith(b"-----BEGIN ENCRYPTED")
    published = load_key_set(folder / KEY_SET)
    check_signature(before, published)
    assert published.keys[0].valid_from is None  # in use since before the set


@pytest.fixture
def fundledger(system, tmp_path):
    """The command line, its keys kept outside FUNDLEDGER_HOME."""

    def run(*args: str, passphrase: str | None = PASSPHRASE):
        with pytest.MonkeyPatch.context() as env:
            env.setenv("DATABASE_URL", system.database.url)
            env.setenv("FUNDLEDGER_HOME", str(tmp_path / "home"))
            env.setenv("FUNDLEDGER_KEYS_DIR", str(tmp_path / "vault"))
            env.delenv("FUNDLEDGER_KEY_PASSPHRASE", raising=False)
            if passphrase is not None:
                env.setenv("FUNDLEDGER_KEY_PASSPHRASE", passphrase)
            return CliRunner().invoke(cli, list(args))

    return run


def test_keys_are_created_rotated_and_verify_digests_from_the_command_line(
    story, fundledger, tmp_path
):
    vault = tmp_path / "vault"
    refused = fundledger("keys", "create", passphrase=None)
    assert refused.exit_code == 2 and "FUNDLEDGER_KEY_PASSPHRASE" in refused.output
    assert not vault.exists()
    assert fundledger("keys", "create").exit_code == 0
    assert (vault / KEY_SET).exists() and not (tmp_path / "home" / "keys").exists()
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    assert fundledger("digest", "--out", str(old)).exit_code == 0
    again = fundledger("keys", "create")
    assert again.exit_code == 2 and "keys rotate" in again.output
    wrong = fundledger("digest", passphrase="not the passphrase")
    assert wrong.exit_code == 1 and "does not open" in wrong.output
    assert isinstance(wrong.exception, SystemExit)  # a message, not a traceback
    assert fundledger("keys", "rotate").exit_code == 0
    assert fundledger("digest", "--out", str(new)).exit_code == 0
    published = tmp_path / "as-published.json"
    published.write_text((vault / KEY_SET).read_text())
    for digest in (old, new):
        for keys in ((), ("--public-keys", str(published))):
            verified = fundledger("verify", "--digest", str(digest), *keys)
            assert verified.exit_code == 0, verified.output
            assert "the log extends the digest" in verified.output


def test_one_public_key_still_verifies_from_the_command_line(
    story, fundledger, tmp_path
):
    assert fundledger("keys", "create").exit_code == 0
    saved = tmp_path / "digest.json"
    assert fundledger("digest", "--out", str(saved)).exit_code == 0
    pem = tmp_path / "ours.pub"
    (current,) = load_key_set(tmp_path / "vault" / KEY_SET).keys
    pem.write_text(current.as_dict()["public_key"])
    verified = fundledger("verify", "--digest", str(saved), "--public-key", str(pem))
    assert verified.exit_code == 0, verified.output


def test_a_key_from_before_passphrases_signs_with_a_hint_to_rotate(
    story, fundledger, tmp_path
):
    write_unencrypted_key(tmp_path / "vault")
    saved = tmp_path / "digest.json"
    signed = fundledger("digest", "--out", str(saved), passphrase=None)
    assert signed.exit_code == 0, signed.output
    assert "not encrypted" in signed.output and "keys rotate" in signed.output
    assert fundledger("verify", "--digest", str(saved)).exit_code == 0
    assert fundledger("keys", "rotate").exit_code == 0
    verified = fundledger("verify", "--digest", str(saved))
    assert verified.exit_code == 0, verified.output


def write_unencrypted_key(folder):
    """As `fundledger keys create` wrote keys before passphrases."""
    folder.mkdir(parents=True)
    key = Ed25519PrivateKey.generate()
    (folder / PRIVATE_KEY).write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (folder / PUBLIC_KEY).write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo,
        )
    )
    return folder
