"""Smoke runs of the benchmark scripts on small inputs: they run and print their table (timings are read, not asserted)."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


@pytest.mark.slow
def test_load_benchmark_smoke():
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_load_mff.py"), "--geos", "20", "--weeks", "52",
                        "--media", "10", "--controls", "3"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "MFF load benchmark: 14,560 rows" in out and "csv" in out and "parquet" in out
    assert "channel=10" in out  # the panel really held the 10 media channels
