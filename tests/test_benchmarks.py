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


@pytest.mark.slow
def test_speed_benchmark_smoke(tmp_path):
    "Both models fit the national case with few draws; the table and the three refit lines are printed."
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_vs_pymc_marketing.py"), "--cases", "national",
                        "--draws", "100", "--tune", "100", "--chains", "2", "--out-dir", str(tmp_path)],
                       capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, r.stderr[-3000:]
    out = r.stdout
    assert "national: min-ESS/s ratio ours / pymc-marketing" in out, out
    for name in ("noise_prior", "adstock_prior", "adstock_prior_full_tune"):
        assert f"national: refit after a {name} change" in out, out
    assert "recompiled: False" in out and "recompiled: True" not in out  # a prior-value change never recompiles
    assert len(list(tmp_path.glob("national-*.json"))) == 2


@pytest.mark.slow
def test_prior_panel_benchmark_smoke():
    "The prior-panel benchmark runs on a small case and prints its table with the target line."
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_prior_panel.py"), "--draws", "100", "--weeks", "52",
                        "--channels", "3", "--repeats", "12"], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "slider callback (compute + redraw)" in r.stdout and "target: median <= 50 ms" in r.stdout, r.stdout
