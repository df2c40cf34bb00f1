"""Throughput of the job manager: N small fits through a local Dask cluster vs the same fits one after another (issue 7).

Both sides do identical work per fit: `jobs.run_fit` (build, compile, sample with nutpie, ELPD-LOO, hold-out CRPS, ROI,
save to netCDF/JSON). Serial: in one process, one fit after another, nutpie using every core for its chains (the best a
single fit can do). Cluster: `JobManager(n_workers=cores)`, one single-threaded worker per core, one fit per worker
(`--cores-per-fit` nutpie threads each). The variants differ (saturation/adstock), so every fit compiles its own sampler, as
a real grid would.

Two comparisons, each side in the same state:
- fresh processes: the serial fits are the first this process runs; the cluster starts cold (start-up and the workers'
  imports included). A process's first Numba compilations are slower than later ones, and both sides pay that.
- warm processes: a long-lived notebook kernel against a long-lived cluster. The serial side runs in a new process that
  first makes one short fit of another variant (geometric-logistic, l_max 9); each cluster worker first makes one short fit
  of the same kind. Both sides are warmed the same way, and neither has fitted the timed variants before (a process that
  re-fits the very graphs it fitted earlier finds PyTensor's and Numba's in-memory caches hot for them, which is not what
  a new grid meets).
An untimed pass in a separate process first fills PyTensor's on-disk compile cache, so neither side pays for that.
Run nothing else on the machine while it measures.

    .venv/bin/python benchmarks/bench_jobs.py [--fits 4] [--draws 500 --tune 500 --chains 2] [--weeks 104] [--cores-per-fit 2]
"""
import argparse, json, os, subprocess, sys, tempfile, time, warnings
from pathlib import Path

import pandas as pd

VARIANTS = [("geometric-logistic", {}), ("geometric-hill", {"saturation": {"type": "hill"}}),
            ("geometric-mm", {"saturation": {"type": "michaelis_menten"}}), ("weibull-logistic", {"adstock": {"type": "weibull_cdf"}}),
            ("geometric-tanh", {"saturation": {"type": "tanh"}}), ("delayed-logistic", {"adstock": {"type": "delayed"}})]


def setup(a):
    from mmm_framework.config import ModelConfig
    from mmm_framework.data_loader import load_mff
    from mmm_framework.datasets import simulate_mmm
    df, truth = simulate_mmm(n_periods=a.weeks, channels=("TV", "Search", "Social"), seed=5)
    variants = dict(VARIANTS[: a.fits]) if a.fits <= len(VARIANTS) else {f"v{i}": dict(VARIANTS[i % len(VARIANTS)][1]) for i in range(a.fits)}
    return load_mff(df, truth.config), ModelConfig(kpi="Sales"), variants, dict(draws=a.draws, tune=a.tune, chains=a.chains, seed=1)


def warm_up_variants(n):
    "Short fits of a variant outside the timed grid, one per process (serial) or per worker (cluster)."
    return {f"warm-{i}": {"adstock": {"l_max": 9 + i}} for i in range(n)}


def serial(panel, base, variants, fit, cores, tmp, short=False):
    from mmm_framework.jobs import FitSpec, _FileChannel, run_fit
    ds, t0, phases = panel.to_xarray(), time.perf_counter(), []
    for name, ch in variants.items():
        f = {**fit, "cores": cores} | ({"draws": 20, "tune": 20} if short else {})
        phases.append(run_fit(FitSpec(name=name, model=base.replace(**ch), fit=f).model_dump_json(), ds, _FileChannel(tmp))["timings"])
    return time.perf_counter() - t0, pd.DataFrame(phases).mean()


def cluster(panel, base, variants, fit, a, tmp, warm):
    from mmm_framework.jobs import JobManager
    with JobManager(Path(tmp) / f"jobs-{warm}", n_workers=a.workers, cores_per_fit=a.cores_per_fit) as jm:
        if warm:  # each worker fits once (a different, short variant) before the clock starts
            jm.client.wait_for_workers(a.workers)
            w = jm.submit_grid(base, warm_up_variants(a.workers), panel, draws=20, tune=20, chains=1)
            jm.wait([j.id for j in w], timeout=1200)
        t0 = time.perf_counter()
        jobs = jm.submit_grid(base, variants, panel, **fit)
        table = jm.wait([j.id for j in jobs], timeout=3600)
        wall = time.perf_counter() - t0
        bad = table[table.state != "done"]
        if len(bad): raise SystemExit(f"cluster jobs did not finish: {bad.to_dict('records')}")
        return wall, pd.DataFrame([j.record["timings"] for j in jobs]).mean()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fits", type=int, default=4); ap.add_argument("--weeks", type=int, default=104)
    ap.add_argument("--draws", type=int, default=500); ap.add_argument("--tune", type=int, default=500); ap.add_argument("--chains", type=int, default=2)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--cores-per-fit", type=int, default=1, help="nutpie threads per fit on the cluster (JobManager cores_per_fit)")
    ap.add_argument("--child-warmup", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--child-serial-warm", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    panel, base, variants, fit = setup(a)
    with tempfile.TemporaryDirectory() as tmp:
        if a.child_warmup:
            serial(panel, base, variants, fit, a.workers, tmp, short=True); return
        if a.child_serial_warm:  # a new process, warmed like one cluster worker, then the timed grid
            serial(panel, base, warm_up_variants(1), {**fit, "draws": 20, "tune": 20, "chains": 1}, a.workers, tmp)
            wall, ph = serial(panel, base, variants, fit, a.workers, tmp)
            print(json.dumps({"wall": wall, "phases": ph.to_dict()})); return
        r = subprocess.run([sys.executable, __file__, "--child-warmup", *sys.argv[1:]], capture_output=True, text=True)
        if r.returncode: raise SystemExit(f"warm-up failed:\n{r.stderr[-3000:]}")
        rows = []
        s_fresh, sp_fresh = serial(panel, base, variants, fit, a.workers, tmp)
        c_fresh, cp_fresh = cluster(panel, base, variants, fit, a, tmp, warm=False)
        r = subprocess.run([sys.executable, __file__, "--child-serial-warm", *sys.argv[1:]], capture_output=True, text=True)
        if r.returncode: raise SystemExit(f"warm serial run failed:\n{r.stderr[-3000:]}")
        out = json.loads(r.stdout.strip().splitlines()[-1])
        s_warm, sp_warm = out["wall"], pd.Series(out["phases"])
        c_warm, cp_warm = cluster(panel, base, variants, fit, a, tmp, warm=True)
        n = len(variants)
        phase = lambda p: {k: p[k] for k in ("build_s", "compile_s", "sample_s", "score_s", "total_s")}
        for state, s, sp, c, cp in (("fresh", s_fresh, sp_fresh, c_fresh, cp_fresh), ("warm", s_warm, sp_warm, c_warm, cp_warm)):
            rows.append({"processes": state, "mode": f"serial, nutpie on {a.workers} cores", "wall_s": s, "vs_serial": 1.0, **phase(sp)})
            rows.append({"processes": state, "mode": f"LocalCluster {a.workers}x1 thread, {a.cores_per_fit} core/fit", "wall_s": c,
                         "vs_serial": s / c, **phase(cp)})
    t = pd.DataFrame(rows)
    t["fits_per_min"] = n * 60 / t.wall_s
    print(f"\n{n} fits ({a.weeks} weeks x 3 channels; {a.chains} chains x ({a.tune} tune + {a.draws} draws)), variants: {', '.join(variants)}")
    print(t.to_string(index=False, float_format=lambda x: f"{x:,.2f}"))
    print("build_s .. total_s: mean seconds per fit in each phase (score = ELPD-LOO, hold-out CRPS, ROI). target: vs_serial >= 1.7 on 2 cores")


if __name__ == "__main__":
    main()
