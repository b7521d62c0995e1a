"""The demo prints a console sign-in for every role the console has a home
page for, each a token the demo issues with that role."""

from api.cli import CONSOLE_SIGN_INS, DEMO_TOKENS
from api.console.signin import HOMES


def test_the_demo_prints_one_sign_in_for_each_role_with_a_home_page():
    roles = {subject: role for subject, role, _, _ in DEMO_TOKENS}
    printed = [roles[subject] for _, subject in CONSOLE_SIGN_INS]
    assert len(printed) == len(set(printed))
    assert set(HOMES) == set(printed)
