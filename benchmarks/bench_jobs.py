"""Throughput of the job manager: N small fits through a local Dask cluster vs the same fits one after another (issue 7).

Both sides do identical work per fit: `jobs.run_fit` (build, compile, sample with nutpie, ELPD-LOO, hold-out CRPS, ROI,
save to netCDF/JSON). Serial: in this process, one fit after another, nutpie using every core for its chains (the best a
single fit can do). Cluster: `JobManager(n_workers=cores)`, one single-threaded worker per core, one fit per worker
(cores_per_fit=1). The variants differ (saturation/adstock), so every fit compiles its own sampler, as a real grid would.
Two cluster timings: from a cold start (cluster start and the workers' imports included) and with the workers already
up. Run nothing else on the machine while it measures.

    .venv/bin/python benchmarks/bench_jobs.py [--fits 4] [--draws 500 --tune 500 --chains 2] [--weeks 104]
"""
import argparse, os, tempfile, time, warnings
from pathlib import Path

import pandas as pd

VARIANTS = [("geometric-logistic", {}), ("geometric-hill", {"saturation": {"type": "hill"}}),
            ("geometric-mm", {"saturation": {"type": "michaelis_menten"}}), ("weibull-logistic", {"adstock": {"type": "weibull_cdf"}}),
            ("geometric-tanh", {"saturation": {"type": "tanh"}}), ("delayed-logistic", {"adstock": {"type": "delayed"}})]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fits", type=int, default=4); ap.add_argument("--weeks", type=int, default=104)
    ap.add_argument("--draws", type=int, default=500); ap.add_argument("--tune", type=int, default=500); ap.add_argument("--chains", type=int, default=2)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    a = ap.parse_args()
    from mmm_framework.config import ModelConfig
    from mmm_framework.data_loader import load_mff
    from mmm_framework.datasets import simulate_mmm
    from mmm_framework.jobs import FitSpec, JobManager, _FileChannel, run_fit
    df, truth = simulate_mmm(n_periods=a.weeks, channels=("TV", "Search", "Social"), seed=5)
    panel = load_mff(df, truth.config)
    base = ModelConfig(kpi="Sales")
    variants = dict(VARIANTS[: a.fits]) if a.fits <= len(VARIANTS) else {f"v{i}": dict(VARIANTS[i % len(VARIANTS)][1]) for i in range(a.fits)}
    fit = dict(draws=a.draws, tune=a.tune, chains=a.chains, seed=1)
    rows = []

    with warnings.catch_warnings(), tempfile.TemporaryDirectory() as tmp:
        warnings.simplefilter("ignore")
        ds = panel.to_xarray()
        t0 = time.perf_counter()
        per = []
        for name, ch in variants.items():
            spec = FitSpec(name=name, model=base.replace(**ch), fit={**fit, "cores": a.workers})
            t1 = time.perf_counter(); run_fit(spec.model_dump_json(), ds, _FileChannel(tmp)); per.append(time.perf_counter() - t1)
        serial = time.perf_counter() - t0
        rows.append({"mode": f"serial (one process, nutpie on {a.workers} cores)", "wall_s": serial, "per_fit_s": sum(per) / len(per)})

        for warm in (False, True):
            with JobManager(Path(tmp) / f"jobs-{warm}", n_workers=a.workers) as jm:
                if warm:
                    jm.client.wait_for_workers(a.workers)
                    jm.client.run(lambda: __import__("mmm_framework.jobs") and __import__("pymc") and __import__("nutpie"))
                t0 = time.perf_counter()
                jobs = jm.submit_grid(base, variants, panel, **fit)
                table = jm.wait(timeout=3600)
                wall = time.perf_counter() - t0
                bad = table[table.state != "done"]
                if len(bad): raise SystemExit(f"cluster jobs did not finish: {bad.to_dict('records')}")
                fit_s = [j.record["timings"]["total_s"] for j in jobs]
            rows.append({"mode": f"local Dask cluster, {a.workers} workers x 1 thread" + (", workers warm" if warm else ", cold start"),
                         "wall_s": wall, "per_fit_s": sum(fit_s) / len(fit_s)})

    t = pd.DataFrame(rows)
    t["fits_per_min"] = len(variants) * 60 / t.wall_s
    t["throughput_vs_serial"] = serial / t.wall_s
    print(f"\n{len(variants)} fits ({a.weeks} weeks x 3 channels; {a.chains} chains x ({a.tune} tune + {a.draws} draws)), variants: {', '.join(variants)}")
    print(t.to_string(index=False, float_format=lambda x: f"{x:,.2f}"))
    print("target: throughput_vs_serial >= 1.7 on 2 cores")


if __name__ == "__main__":
    main()
