"""Load benchmark: a large MFF (default 200 geos x 156 weeks x 150 variables = 4.68 M rows).

Writes the file once under benchmarks/_data/, then loads it in a fresh process per format and prints
wall time and peak resident memory. Target (issue 2): < 30 s and < 4 GB for the 5-million-row case.

    .venv/bin/python benchmarks/bench_load_mff.py [--geos 200 --weeks 156 --media 120 --controls 29]
"""
import argparse, json, resource, subprocess, sys, time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent


def make_file(geos: int, weeks: int, n_media: int, n_controls: int, out: Path) -> dict:
    import pyarrow as pa, pyarrow.csv as pcsv, pyarrow.parquet as pq
    rng = np.random.default_rng(0)
    dates = pd.date_range("2022-01-03", periods=weeks, freq="W-MON").strftime("%Y-%m-%d").to_numpy()
    geo = np.array([f"Geo_{i:03d}" for i in range(geos)])
    names = ["Sales"] + [f"Media_{i:03d}" for i in range(n_media)] + [f"Control_{i:02d}" for i in range(n_controls)]
    n_cell = weeks * geos
    period = np.tile(np.repeat(dates, geos), len(names))
    geography = np.tile(np.tile(geo, weeks), len(names))
    var = np.repeat(np.array(names), n_cell)
    vals = rng.gamma(2.0, 50.0, size=len(var)).round(3)
    vals[:n_cell] += 1000.0  # KPI
    table = pa.table({"Period": period, "Geography": geography, "Product": pa.nulls(len(var), pa.string()),
                      "Campaign": pa.nulls(len(var), pa.string()), "Outlet": pa.nulls(len(var), pa.string()),
                      "Creative": pa.nulls(len(var), pa.string()), "VariableName": var, "VariableValue": vals})
    out.mkdir(parents=True, exist_ok=True)
    pcsv.write_csv(table, out / "big_mff.csv")
    pq.write_table(table, out / "big_mff.parquet")
    cfg = {"kpi": "Sales", "media": names[1:1 + n_media], "controls": names[1 + n_media:]}
    (out / "big_mff_config.json").write_text(json.dumps(cfg))
    return {"rows": len(var), "variables": len(names)}


def load_once(path: str, cfg_path: str) -> None:
    "Child process: load and report time and peak RSS as JSON on stdout."
    cfg = json.loads(Path(cfg_path).read_text())
    t0 = time.perf_counter()
    from mmm_framework.builders import create_simple_mff_config
    from mmm_framework.data_loader import load_mff
    t_import = time.perf_counter() - t0
    config = create_simple_mff_config(cfg["kpi"], cfg["media"], cfg["controls"], frequency="W")
    t1 = time.perf_counter()
    panel = load_mff(path, config)
    t_load = time.perf_counter() - t1
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MiB on Linux
    print(json.dumps({"import_s": t_import, "load_s": t_load, "peak_mib": peak, "shape": dict(panel.X_media.sizes)}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--geos", type=int, default=200)
    ap.add_argument("--weeks", type=int, default=156)
    ap.add_argument("--media", type=int, default=120)
    ap.add_argument("--controls", type=int, default=29)
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child: return load_once(*a.child)
    out = HERE / "_data" / f"g{a.geos}_w{a.weeks}_m{a.media}_c{a.controls}"
    if not (out / "big_mff.csv").exists():
        t = time.perf_counter(); info = make_file(a.geos, a.weeks, a.media, a.controls, out)
        print(f"wrote {info['rows']:,} rows x {info['variables']} variables in {time.perf_counter() - t:.1f} s")
    rows = []
    for fmt in ("csv", "parquet"):
        f = out / f"big_mff.{fmt}"
        r = subprocess.run([sys.executable, __file__, "--child", str(f), str(out / "big_mff_config.json")], capture_output=True, text=True)
        if r.returncode: print(r.stderr); raise SystemExit(r.returncode)
        res = json.loads(r.stdout.strip().splitlines()[-1])
        rows.append({"format": fmt, "file_MB": f.stat().st_size / 1e6, "load_s": res["load_s"], "import_s": res["import_s"],
                     "peak_RSS_MiB": res["peak_mib"], "panel": "x".join(f"{k}={v}" for k, v in res["shape"].items())})
    n = a.geos * a.weeks * (1 + a.media + a.controls)
    print(f"\nMFF load benchmark: {n:,} rows ({a.geos} geos x {a.weeks} weeks x {1 + a.media + a.controls} variables); "
          f"target < 30 s and < 4096 MiB")
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda x: f"{x:,.1f}"))


if __name__ == "__main__":
    main()
