"""Ours vs PyMC-Marketing 1.3.0 on the same simulated data, same chains/draws, both with nutpie, in one run.

Cases (issue 3): national 156 weeks x 5 channels; geo panel 20 geos x 104 weeks x 4 channels (--geos to change). Each fit runs in its own
process (peak memory per fit). Prints: wall time (build + compile + sample), sampling time, min bulk ESS over sampled
parameters, min-ESS per wall-second, max R-hat, divergences, peak RSS, ROI coverage (true ROI inside the 90% HDI), and for
ours the wall time of refits after changing only prior hyperparameters (`with_config`: no recompile) as a ratio of the cold fit,
each through `fit(reuse=cold_fit)`: a change the posterior barely notices (the noise prior) is served by Pareto-smoothed importance
reweighting of the cold fit's draws; one that moves it (the adstock prior) fails that check (Pareto k > 0.7) and is sampled again
with the compiled sampler, once with the refit default (tune=REFIT_TUNE=300: nutpie adapts its mass matrix in a few hundred steps)
and once with the cold fit's full tuning. Each refit row carries its min bulk ESS, so the short warm-up's cost is visible.

Every row is also written to benchmarks/results/<case>-<model>-g<geos>-<draws>x<tune>x<chains>-s<seed>.json. A PyMC-Marketing
geo fit takes tens of minutes on 2 cores; `--reuse-baseline` reads its row from that file when present (the table says so in
the `measured` column) instead of fitting it again. Run nothing else on the machine while it measures.

    .venv/bin/python benchmarks/bench_vs_pymc_marketing.py [--cases national geo] [--geos 20] [--draws 1000 --tune 1000 --chains 4]
"""
import argparse, datetime, json, os, resource, subprocess, sys, time, warnings
from pathlib import Path

import numpy as np
import pandas as pd

CASES = {"national": dict(n_periods=156, n_geos=1, channels=("TV", "Search", "Social", "Display", "Radio"), seed=3),
         "geo": dict(n_periods=104, n_geos=20, channels=("TV", "Search", "Social", "Display"), seed=11)}


def _hdi(x, prob=0.9):
    x = np.sort(np.asarray(x)); n = len(x); k = int(np.floor(prob * n))
    i = np.argmin(x[k:] - x[:n - k]); return x[i], x[i + k]


def _ess_rhat(trace, var_names):
    import arviz as az
    s = az.summary(trace, var_names=var_names, kind="diagnostics")
    return float(s["ess_bulk"].min()), float(s["r_hat"].max())


def run_ours(case, draws, tune, chains, seed):
    from mmm_framework.builders import ModelConfigBuilder
    from mmm_framework.data_loader import load_mff
    from mmm_framework.datasets import simulate_mmm
    from mmm_framework.model import BayesianMMM
    df, truth = simulate_mmm(**CASES[case])
    panel = load_mff(df, truth.config)
    t0 = time.perf_counter()
    cfg = ModelConfigBuilder().with_kpi("Sales").build()
    m = BayesianMMM(panel, cfg)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.compiled()  # build + compile, so sampling time can be told apart
        ts = time.perf_counter()
        res = m.fit(draws=draws, tune=tune, chains=chains, random_seed=seed, nuts_sampler="nutpie")
        wall, samp = time.perf_counter() - t0, time.perf_counter() - ts
        refits = {}  # prior-value changes: same structure, so the compiled sampler is reused (no recompile)
        near = cfg.replace(noise_prior=cfg.noise_prior.replace(params={"sigma": 0.5}))
        far = cfg.replace(adstock=cfg.adstock.replace(priors={"alpha": cfg.adstock.priors["alpha"].replace(params={"alpha": 3.0, "beta": 3.0})}))
        for name, c2, kw in [("noise_prior", near, {}), ("adstock_prior", far, {}), ("adstock_prior_full_tune", far, {"tune": tune})]:
            t1 = time.perf_counter()
            m2 = m.with_config(c2)
            r2 = m2.fit(**{"draws": draws, "chains": chains, "random_seed": seed + 1, "nuts_sampler": "nutpie", **kw}, reuse=res)
            el = time.perf_counter() - t1
            refits[name] = dict(s=el, ratio=el / wall, recompiled=bool(m2.recompiled), method=r2.diagnostics["method"], tune=r2.diagnostics.get("tune"),
                                pareto_k=r2.diagnostics.get("pareto_k"), ess_bulk_min=r2.diagnostics["ess_bulk_min"],
                                divergences=r2.diagnostics["divergences"])
    ess, rhat = _ess_rhat(res.trace, list(res.posterior.data_vars))  # every sampled parameter, and each coefficient sampled as coefficient x lam
    roi = m.compute_roi()
    cov = np.mean([roi.loc[c, "hdi_low"] <= truth.roi[c] <= roi.loc[c, "hdi_high"] for c in truth.roi.index])
    return dict(wall_s=wall, sampling_s=samp, ess_bulk_min=ess, rhat_max=rhat, divergences=res.diagnostics["divergences"], roi_coverage=cov,
                refit_ratio=refits["noise_prior"]["ratio"], refits=refits)


def run_pmm(case, draws, tune, chains, seed):
    from pymc_marketing.mmm import MMM, GeometricAdstock, LogisticSaturation  # 1.3.0: the multidimensional MMM
    from mmm_framework.datasets import simulate_mmm
    kw = CASES[case]
    df, truth = simulate_mmm(**kw)
    wide = df.pivot_table(index=["Period", "Geography"] if kw["n_geos"] > 1 else ["Period"], columns="VariableName",
                          values="VariableValue", dropna=False).reset_index()
    if kw["n_geos"] > 1:  # national media rows have no geography: spread by population as the truth did
        nat = df[df.Geography.isna()].pivot_table(index="Period", columns="VariableName", values="VariableValue")
        wide = df[df.Geography.notna()].pivot_table(index=["Period", "Geography"], columns="VariableName", values="VariableValue").reset_index()
        share = wide.groupby("Geography").Population.mean(); share = share / share.sum()
        for c in nat.columns:
            if c in ("Holiday",): wide[c] = wide.Period.map(nat[c])
            else: wide[c] = wide.Period.map(nat[c]) * wide.Geography.map(share)
    wide = wide.rename(columns={"Period": "date", "Geography": "geo"})
    wide["date"] = pd.to_datetime(wide["date"])
    channels = list(kw["channels"])
    X = wide[["date"] + (["geo"] if kw["n_geos"] > 1 else []) + channels + ["Price", "Holiday"]]
    y = wide["Sales"].rename("y")
    t0 = time.perf_counter()
    mmm = MMM(date_column="date", channel_columns=channels, control_columns=["Price", "Holiday"], target_column="y",
              adstock=GeometricAdstock(l_max=8), saturation=LogisticSaturation(), yearly_seasonality=2,
              dims=("geo",) if kw["n_geos"] > 1 else None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        idata = mmm.fit(X, y, draws=draws, tune=tune, chains=chains, random_seed=seed, nuts_sampler="nutpie", progressbar=False)
    wall = time.perf_counter() - t0
    free = [v.name for v in mmm.model.free_RVs]
    ess, rhat = _ess_rhat(idata, free)
    post = idata["posterior"].to_dataset()
    scale = mmm.get_scales_as_xarray()["target_scale"]
    contrib = (post["channel_contribution"] * scale)
    other = [d for d in contrib.dims if d not in ("chain", "draw", "channel")]
    tot = contrib.sum(other).stack(s=("chain", "draw")).transpose("s", "channel")
    spend = truth.spend.sum(("date", "geo")).sel(channel=channels).values
    cov = np.mean([_hdi(tot.values[:, i] / spend[i])[0] <= truth.roi[c] <= _hdi(tot.values[:, i] / spend[i])[1] for i, c in enumerate(channels)])
    st = idata["sample_stats"].to_dataset()
    div = int(st["diverging"].sum()) if "diverging" in st else 0
    samp = float(idata["posterior"].attrs.get("sampling_time", np.nan))
    return dict(wall_s=wall, sampling_s=samp, ess_bulk_min=ess, rhat_max=rhat, divergences=div, roi_coverage=cov)


def child(args):
    which, case, draws, tune, chains, seed, geos = args
    CASES["geo"]["n_geos"] = int(geos)
    out = (run_ours if which == "ours" else run_pmm)(case, int(draws), int(tune), int(chains), int(seed))
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", nargs="+", default=["national", "geo"], choices=list(CASES))
    ap.add_argument("--draws", type=int, default=1000); ap.add_argument("--tune", type=int, default=1000)
    ap.add_argument("--chains", type=int, default=4); ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--geos", type=int, default=20, help="geos in the geo case (issue target: 20)")
    ap.add_argument("--reuse-baseline", action="store_true", help="reuse a saved PyMC-Marketing row for the same settings")
    ap.add_argument("--out-dir", default=str(Path(__file__).parent / "results"), help="where each row's JSON goes")
    ap.add_argument("--child", nargs=7, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child: return child(a.child)
    rows, out_dir = [], Path(a.out_dir)
    out_dir.mkdir(exist_ok=True)
    for case in a.cases:
        for which in ("pymc-marketing", "ours"):
            f = out_dir / f"{case}-{which}-g{a.geos if case == 'geo' else 1}-{a.draws}x{a.tune}x{a.chains}-s{a.seed}.json"
            if which == "pymc-marketing" and a.reuse_baseline and f.exists():
                rows.append(json.loads(f.read_text())); continue
            r = subprocess.run([sys.executable, __file__, "--child", "ours" if which == "ours" else "pmm", case, str(a.draws),
                                str(a.tune), str(a.chains), str(a.seed), str(a.geos)], capture_output=True, text=True, env=os.environ)
            line = [l for l in r.stdout.splitlines() if l.startswith("RESULT ")]
            if r.returncode or not line:
                print(f"{which} {case} failed:\n{r.stderr[-3000:]}"); continue
            res = json.loads(line[-1][7:])
            row = {"case": case, "model": which, **res, "ess_per_s": res["ess_bulk_min"] / res["wall_s"],
                   "measured": datetime.date.today().isoformat()}
            f.write_text(json.dumps(row, indent=1)); rows.append(row)
    t = pd.DataFrame(rows)
    print(f"\nOurs vs PyMC-Marketing 1.3.0 (nutpie, {a.chains} chains x ({a.tune} tune + {a.draws} draws)):")
    cols = [c for c in ["case", "model", "wall_s", "sampling_s", "ess_bulk_min", "ess_per_s", "rhat_max", "divergences", "peak_rss_mib",
                        "roi_coverage", "refit_ratio", "measured"] if c in t]
    print(t[cols].to_string(index=False, float_format=lambda x: f"{x:,.2f}", na_rep="-"))
    for case in t.case.unique():
        s = t[t.case == case].set_index("model")
        if {"ours", "pymc-marketing"} <= set(s.index):
            print(f"{case}: min-ESS/s ratio ours / pymc-marketing = {s.loc['ours', 'ess_per_s'] / s.loc['pymc-marketing', 'ess_per_s']:.2f}")
        if "ours" in s.index and isinstance(s.loc["ours"].get("refits"), dict):
            for name, r in s.loc["ours", "refits"].items():
                k = "" if r["pareto_k"] is None else f", Pareto k {r['pareto_k']:.2f}"
                print(f"{case}: refit after a {name} change / cold fit = {r['ratio']:.2f} ({r['s']:.1f} s; {r['method']}{k}{'' if r.get('tune') is None else f', tune {r["tune"]}'}; "
                      f"min ESS {r['ess_bulk_min']:.0f}; {r['divergences']} divergences; recompiled: {r['recompiled']})")

if __name__ == "__main__":
    main()
