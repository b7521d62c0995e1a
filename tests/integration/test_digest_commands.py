"""The operator's commands: create a key, sign a digest, verify against it."""

import pytest
from typer.testing import CliRunner

from api.cli import cli
from application import commands as c
from tests.builders import BURSAR
from tests.integration.test_digests import rewrite_event_and_chain
from tests.integration.test_term_story import SEP, Story


@pytest.fixture
def fundledger(system, tmp_path):
    def run(*args: str):
        with pytest.MonkeyPatch.context() as env:
            env.setenv("DATABASE_URL", system.database.url)
            env.setenv("FUNDLEDGER_HOME", str(tmp_path))
            env.setenv("FUNDLEDGER_KEY_PASSPHRASE", "correct horse battery staple")
            return CliRunner().invoke(cli, list(args))

    return run


def test_a_signed_digest_is_verified_then_a_rewrite_is_caught(
    system, clock, fundledger, tmp_path
):
    story = Story(system, clock)
    story.play()
    assert fundledger("keys", "create").exit_code == 0
    saved = tmp_path / "kept-elsewhere.json"
    signed = fundledger("digest", "--out", str(saved))
    assert signed.exit_code == 0, signed.output
    story.do(c.RecordPayment(story.school, "a", 100, "bank", "LATER", SEP[9]), BURSAR)
    verified = fundledger("verify", "--digest", str(saved))
    assert verified.exit_code == 0, verified.output
    assert "the log extends the digest" in verified.output
    rewrite_event_and_chain(system, position=5)
    caught = fundledger("verify", "--digest", str(saved))
    assert caught.exit_code == 1 and "tampering found" in caught.output
