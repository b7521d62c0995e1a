"""`fundledger check-proof`: an event is in a signed digest's log, checked
from two files and the key set, without the database."""

import json

import pytest
from typer.testing import CliRunner

from api.cli import cli
from api.schemas import ProofPublic
from infra.digests import create_keys
from tests.integration.test_digests import CREATED, PASSPHRASE
from tests.integration.test_term_story import Story


@pytest.fixture
def files(system, clock, tmp_path):
    """A digest signed by the operator, and a proof of position 5 as served."""
    Story(system, clock).play()
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DATABASE_URL", system.database.url)
        env.setenv("FUNDLEDGER_HOME", str(tmp_path))
        env.setenv("FUNDLEDGER_KEY_PASSPHRASE", PASSPHRASE)
        assert runner.invoke(cli, ["keys", "create"]).exit_code == 0
        digest = tmp_path / "digest.json"
        assert runner.invoke(cli, ["digest", "--out", str(digest)]).exit_code == 0
    size = json.loads(digest.read_text())["size"]
    proof = tmp_path / "proof.json"
    served = ProofPublic.of(system.verified.prove_inclusion(5, size))
    proof.write_text(served.model_dump_json())
    return proof, digest, tmp_path / "keys" / "public-keys.json"


def check(*args) -> tuple[int, str]:
    done = CliRunner().invoke(cli, ["check-proof", *map(str, args)])
    return done.exit_code, done.output


def test_a_proof_and_its_digest_are_accepted_with_the_key_set(files):
    proof, digest, keys = files
    code, said = check(proof, digest, "--public-keys", keys)
    assert code == 0 and "position 5 is in the log" in said


def test_an_altered_proof_or_a_digest_of_another_key_is_refused(files, tmp_path):
    proof, digest, keys = files
    served = json.loads(proof.read_text())
    altered = tmp_path / "altered.json"
    altered.write_text(json.dumps(served | {"leaf": "00" * 32}))
    code, said = check(altered, digest, "--public-keys", keys)
    assert code == 1 and "not in the log" in said
    _, others = create_keys(tmp_path / "others", PASSPHRASE, CREATED)
    code, said = check(proof, digest, "--public-keys", others)
    assert code == 1 and "not in the key set" in said
    code, said = check(tmp_path / "missing.json", digest, "--public-keys", keys)
    assert code == 1 and "not checked" in said
