"""make bench: every benchmark, its baseline, a table and bench/results.json."""

import argparse
import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench import api, districts, payroll_compliance, proofs, scale, silence
from bench.common import NotEmpty
from infra.logging import configure_logging

RESULTS = Path(__file__).with_name("results.json")


def main() -> None:
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("--quick", action="store_true", help="a smoke run for CI")
    args = parser.parse_args()
    configure_logging("WARNING")
    try:
        results = (
            api.run(args.quick)
            + payroll_compliance.run(args.quick)
            + scale.run(args.quick)
            + proofs.run(args.quick)
            + silence.run(args.quick)
            + districts.run(args.quick)
        )
    except NotEmpty as refusal:
        raise SystemExit(str(refusal)) from None
    table = Table("figure", "value", "unit", "baseline", "baseline value", "ratio")
    table.columns[0].no_wrap = True
    for r in results:
        table.add_row(
            r.name,
            f"{r.value:,.2f}",
            r.unit,
            r.baseline,
            f"{r.baseline_value:,.2f}",
            f"{r.ratio:.2f}",
        )
    Console(width=120).print(table)
    RESULTS.write_text(json.dumps([r.as_dict() for r in results], indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
