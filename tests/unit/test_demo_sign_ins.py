"""The demo prints a console sign-in for every role the console has a home
page for, and for the city view, each a token the demo issues with that role."""

from api.console.signin import HOMES
from api.demo import CONSOLE_SIGN_INS, DEMO_TOKENS


def test_the_demo_prints_one_sign_in_for_each_home_page_and_the_city_view():
    issued = {subject: (role, scope) for subject, role, _, scope in DEMO_TOKENS}
    printed = [issued[subject] for _, subject in CONSOLE_SIGN_INS]
    district_wide = [role for role, scope in printed if "city" not in scope]
    assert sorted(district_wide) == sorted(HOMES)
    assert [scope for _, scope in printed if "city" in scope] == [{"city": "大同市"}]


def test_a_city_or_province_token_is_kept_beside_the_rollup_the_others_in_a_district():
    for _, _, where, scope in DEMO_TOKENS:
        assert (where is None) == ("city" in scope or "province" in scope)
