"""The district benchmark's arithmetic: lag, rates, CPU and the projection."""

import subprocess
import sys

import psutil
import pytest

from bench.districts import (
    Reflected,
    Run,
    Written,
    cpu_of_family,
    lags,
    per_district_rate,
    run_of,
)


def test_lag_runs_from_the_oldest_event_a_round_brought_in_to_that_round():
    # the first event after each district's previous position, committed at
    committed = {"Pingcheng": {0: 100.0, 120: 100.9}, "Yungang": {0: 100.2}}
    reflected = [
        Reflected("Pingcheng", since=0, position=120, at=100.8),
        Reflected("Yungang", since=0, position=75, at=101.0),
        Reflected("Pingcheng", since=120, position=480, at=102.0),
    ]

    assert lags(reflected, committed) == pytest.approx([0.8, 0.8, 1.1])


def test_a_run_lasts_from_the_first_writer_start_to_the_last_writers_end():
    written = [
        Written(events=1000, started=10.0, written=14.0, projected=15.0, cpu=3.0),
        Written(events=3000, started=11.0, written=20.0, projected=22.0, cpu=5.0),
    ]

    run = run_of(written, server_cpu=4.0)

    assert run.events == 4000
    assert run.seconds == 10.0
    assert run.rate == 400.0
    assert run.cpu_per_event == pytest.approx(12.0 / 4000)


def test_a_district_on_its_own_machine_is_bounded_by_its_cpu_per_event():
    districts = Run(events=10_000, seconds=10.0, writer_cpu=5.0, server_cpu=5.0)
    one = Run(events=10_000, seconds=2.0, writer_cpu=3.0, server_cpu=3.0)

    assert per_district_rate(districts, one, cores=2) == pytest.approx(2000.0)


def test_a_district_on_its_own_machine_is_bounded_by_one_writers_rate():
    districts = Run(events=10_000, seconds=10.0, writer_cpu=1.0, server_cpu=1.0)
    one = Run(events=10_000, seconds=8.0, writer_cpu=3.0, server_cpu=3.0)

    assert per_district_rate(districts, one, cores=2) == 1250.0


def test_a_child_that_ended_still_counts_in_its_parents_cpu():
    me = psutil.Process()
    before = cpu_of_family(me)

    subprocess.run(
        [
            sys.executable,
            "-c",
            "import time\nt = time.process_time()\n"
            "while time.process_time() - t < 0.3: pass",
        ],
        check=True,
    )

    assert cpu_of_family(me) - before >= 0.25
