"""The national export re-imports into the same counts and amounts."""

import csv
import hashlib
import json
from decimal import Decimal

import pytest
from psycopg.sql import SQL

from projections import funds as f
from projections.export import KINDS, export
from samples.pingcheng import DISTRICT, TERM_CODE, load_sample


def read(folder, fmt: str, kind: str) -> list[dict]:
    path = folder / f"{kind}.{fmt}"
    with path.open(encoding="utf-8") as handle:
        if fmt == "csv":
            return [
                {k: v or None for k, v in row.items()} for row in csv.DictReader(handle)
            ]
        return [json.loads(line) for line in handle]


def as_text(records: list[dict]) -> list[dict]:
    return [{k: None if v is None else str(v) for k, v in r.items()} for r in records]


@pytest.fixture
def sampled(system):
    load_sample(system.bus)
    system.projector.catch_up()
    return system


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_district_term_re_imports_into_the_same_counts_and_amounts(
    sampled, tmp_path, fmt
):
    schools = sampled.queries.schools_in(DISTRICT)
    manifest = export(
        sampled.queries, term=TERM_CODE, schools=schools, fmt=fmt, out=tmp_path
    )
    assert [f["kind"] for f in manifest["files"]] == list(KINDS)
    data = {}
    for entry in manifest["files"]:
        path = tmp_path / entry["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
        data[entry["kind"]] = read(tmp_path, fmt, entry["kind"])
        assert len(data[entry["kind"]]) == entry["rows"]
        assert [f["name"] for f in entry["schema"]] == list(data[entry["kind"]][0])

    def yuan(kind: str, field: str) -> int:
        return int(sum(Decimal(r[field]) for r in data[kind]) * 100)

    balances = [
        f.student_balance(sampled.queries, s["school_id"], s["student_id"]).figures
        for s in _students(sampled)
    ]
    assert yuan("payments", "amount") == sum(b.paid for b in balances)
    assert yuan("enrolments", "charged") == sum(b.charged for b in balances)
    assert yuan("enrolments", "consumed") == sum(b.consumed for b in balances)
    assert yuan("refunds", "amount") == sum(b.refunded for b in balances)
    assert len(data["students"]) == 300 and len(data["classes"]) == 12
    marks = sum(
        int(s["present"]) + int(s["absent"]) + int(s["on_leave"])
        for s in data["sessions"]
    )
    assert len(data["student_attendance"]) == marks
    assert all("name" not in r for r in data["students"])


def test_both_formats_carry_the_same_records(sampled, tmp_path):
    schools = sampled.queries.schools_in(DISTRICT)
    for fmt in ("jsonl", "csv"):
        export(
            sampled.queries,
            term=TERM_CODE,
            schools=schools,
            fmt=fmt,
            out=tmp_path / fmt,
        )
    for kind in KINDS:
        jsonl = as_text(read(tmp_path / "jsonl", "jsonl", kind))
        assert jsonl == read(tmp_path / "csv", "csv", kind), kind


def test_a_term_with_nothing_recorded_exports_empty_files(sampled, tmp_path):
    manifest = export(
        sampled.queries, term="1999-spring", schools=[], fmt="csv", out=tmp_path
    )
    assert all(entry["rows"] == 0 for entry in manifest["files"])


def _students(system):
    return system.queries.rows(
        SQL("SELECT DISTINCT school_id, student_id FROM enrolments")
    )
