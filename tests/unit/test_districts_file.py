"""The districts file: each district named once, with a database URL or an
embedded server of its own; a refused addition writes nothing."""

import pytest

from infra import districts
from infra.districts import DistrictError


def test_without_the_file_no_district_is_served(tmp_path):
    assert not districts.configured(tmp_path)
    assert districts.load(tmp_path).districts == ()


def test_districts_are_listed_in_the_order_they_were_added(tmp_path):
    districts.add(tmp_path, "Pingcheng")
    districts.add(tmp_path, "Yungang", "postgresql://u:p@db-yungang:5433/fund")
    listed = districts.load(tmp_path)
    assert listed.names() == ["Pingcheng", "Yungang"]
    assert listed.named("Pingcheng").database_url is None
    assert listed.named("Yungang").database_url.endswith("db-yungang:5433/fund")


def test_an_embedded_district_keeps_its_data_in_a_folder_of_its_own(tmp_path):
    assert districts.pgdata_of(tmp_path, "Pingcheng") == (
        tmp_path / "districts" / "Pingcheng" / "pgdata"
    )


@pytest.mark.parametrize("taken", ["Pingcheng", "pingcheng"])
def test_a_name_already_there_is_refused_and_nothing_is_written(tmp_path, taken):
    districts.add(tmp_path, "Pingcheng")
    before = districts.file_of(tmp_path).read_bytes()
    with pytest.raises(DistrictError, match="already there"):
        districts.add(tmp_path, taken, "postgresql://elsewhere/fund")
    assert districts.file_of(tmp_path).read_bytes() == before


@pytest.mark.parametrize("name", ["", "../up", "two words", "1st", "a" * 64])
def test_a_name_that_cannot_name_a_folder_is_refused(tmp_path, name):
    with pytest.raises(DistrictError, match="a letter, then"):
        districts.add(tmp_path, name)
    assert not districts.configured(tmp_path)


def test_a_url_that_is_not_postgresql_is_refused(tmp_path):
    with pytest.raises(DistrictError, match="not a PostgreSQL URL"):
        districts.add(tmp_path, "Pingcheng", "host=db port")
    assert not districts.configured(tmp_path)


def test_a_file_edited_by_hand_into_a_duplicate_is_refused_on_load(tmp_path):
    districts.file_of(tmp_path).write_text(
        '{"districts": [{"name": "Pingcheng"}, {"name": "PINGCHENG"}]}'
    )
    with pytest.raises(DistrictError, match="listed twice"):
        districts.load(tmp_path)


def fundledger(home, *args: str):
    from typer.testing import CliRunner

    from api.cli import cli

    return CliRunner().invoke(cli, list(args), env={"FUNDLEDGER_HOME": str(home)})


def test_the_command_adds_and_lists_districts_without_showing_passwords(tmp_path):
    url = "postgresql://fund:secret@db-yungang:5433/fund"
    assert fundledger(tmp_path, "districts", "add", "Pingcheng").exit_code == 0
    added = fundledger(
        tmp_path,
        *("districts", "add", "Yungang", "--database-url", url),
        *("--city", "大同市", "--province", "山西省"),
    )
    assert added.exit_code == 0, added.output
    listed = fundledger(tmp_path, "districts", "list")
    assert listed.exit_code == 0
    pingcheng, yungang = listed.stdout.splitlines()
    assert pingcheng.startswith("Pingcheng\t-\tembedded in ")
    assert yungang == "Yungang\t山西省 / 大同市\tfund@db-yungang:5433/fund"


@pytest.mark.parametrize("place", ["--city", "--province"])
@pytest.mark.parametrize("name", ["", " 大同市", "x" * 65])
def test_a_city_or_province_name_that_is_blank_or_too_long_is_refused(
    tmp_path, place, name
):
    refused = fundledger(tmp_path, "districts", "add", "Pingcheng", place, name)
    assert refused.exit_code == 2
    assert f"Nothing was written: a {place[2:]}'s name is 1 to 64" in refused.output
    assert not districts.file_of(tmp_path).exists()


def test_the_command_refuses_a_duplicate_with_a_reason(tmp_path):
    fundledger(tmp_path, "districts", "add", "Pingcheng")
    again = fundledger(tmp_path, "districts", "add", "Pingcheng")
    assert again.exit_code == 2
    assert "Nothing was written: a district named Pingcheng is already" in again.output


def test_a_command_for_a_district_not_listed_is_refused_and_opens_nothing(tmp_path):
    fundledger(tmp_path, "districts", "add", "Pingcheng")
    refused = fundledger(tmp_path, "--district", "Nowhere", "verify")
    assert refused.exit_code == 2
    assert "No district named Nowhere is served here (districts: Pingcheng" in (
        refused.output
    )
    assert not (tmp_path / "districts" / "Nowhere").exists()
    assert not (tmp_path / "pgdata").exists()
