"""Recovery on data we did not simulate (issue 19): every case of the corpus (tests/corpus.py) fitted with our defaults and with
PyMC-Marketing 1.3.0's defaults, same chains / draws / seed, nutpie for both, one run each, each fit in its own process.

Ours: `BayesianMMM(panel, ModelConfigBuilder().with_kpi(kpi).build())`, `fit(...)` (data-check errors are accepted by id and
listed in the `accepted` column, so the fit happens and the table shows what the checks said). PyMC-Marketing: `MMM` with
GeometricAdstock(l_max=8), LogisticSaturation(), yearly_seasonality=2, the case's controls, `dims=("geo",)` for geo cases
(national media split by population in the wide frame, as the truth did).

Prints one table: per case and channel the true ROI, each tool's mean and 90% HDI, covered or not, HDI width / true ROI and
the share error; then per case and tool: divergences, max R-hat (all sampled parameters), min ROI-ESS (bulk) per wall-second
and the ratio ours / PyMC-Marketing; then the headline figures against the issue's bars. Rows are kept in
benchmarks/results/recovery-<case>-<tool>-<draws>x<tune>x<chains>-s<seed>.json; `--reuse` reads a row from there instead of
fitting again (the table's `measured` column says when it was measured). Run nothing else on the machine while it measures.

    .venv/bin/python benchmarks/bench_recovery.py [--cases adv-hill mpr-small ...] [--tools ours pymc-marketing]
                                                  [--draws 1000 --tune 1000 --chains 4 --seed 1] [--reuse]
                                                  [--variant hill='{"saturation": {"type": "hill"}}' ...]

`--variant NAME=JSON` also fits ours under ModelConfig overrides (a lever to measure), as tool `ours-NAME`.
"""
import argparse, datetime, json, os, subprocess, sys, time, warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
import evidence  # noqa: E402
from corpus import CASES, load_case  # noqa: E402


def _hdi(x, prob=0.9):
    x = np.sort(np.asarray(x)); n = len(x); k = int(np.floor(prob * n))
    i = np.argmin(x[k:] - x[:n - k]); return float(x[i]), float(x[i + k])


def _roi_ess(draws: np.ndarray) -> np.ndarray:
    "Bulk ESS of each channel's ROI: draws (chain, draw, channel)."
    import arviz as az
    import xarray as xr
    ds = xr.Dataset({"roi": (("chain", "draw", "channel"), draws)})
    return np.asarray(az.ess(ds)["roi"].values, float)


def _rhat_max(trace, var_names) -> float:
    import arviz as az
    return float(az.summary(trace, var_names=var_names, kind="diagnostics")["r_hat"].max())


def _channel_rows(case, draws: np.ndarray, share: np.ndarray, ident=None) -> list[dict]:
    "draws: ROI per (chain, draw, channel) in case.channels order; share: mean contribution share per channel."
    ess = _roi_ess(draws)
    flat = draws.reshape(-1, draws.shape[-1])
    out = []
    for i, c in enumerate(case.channels):
        lo, hi = _hdi(flat[:, i])
        out.append({"channel": c, "mean": float(flat[:, i].mean()), "hdi_low": lo, "hdi_high": hi, "roi_ess": float(ess[i]),
                    "share": float(share[i]), **({"identification": ident[i]} if ident is not None else {})})
    return out


def run_ours(name, draws, tune, chains, seed, overrides=None):
    from mmm_framework.builders import ModelConfigBuilder
    from mmm_framework.model import BayesianMMM
    case = load_case(name)
    panel = case.panel()
    t0 = time.perf_counter()
    cfg = ModelConfigBuilder().with_kpi(case.kpi).build()
    if overrides: cfg = type(cfg).from_dict(_merge(cfg.to_dict(), overrides))
    m = BayesianMMM(panel, cfg)
    checks = m.data_checks()
    accepted = sorted(checks.loc[checks.level == "error", "id"]) if len(checks) else []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = m.fit(draws=draws, tune=tune, chains=chains, random_seed=seed, nuts_sampler="nutpie", accept_findings=accepted)
    wall = time.perf_counter() - t0
    roi = m.roi_samples().sel(channel=case.channels).transpose("chain", "draw", "channel").values
    share = (m.contribution_samples().sum(("date", "series")).mean(("chain", "draw")).sel(channel=case.channels).values
             / float(np.nansum(m.data.y)))
    ident = m.compute_roi(hdi_prob=0.9).reindex(case.channels)["identification"].tolist()
    return dict(wall_s=wall, divergences=res.diagnostics["divergences"], rhat_max=_rhat_max(res.trace, list(res.posterior.data_vars)),
                accepted=accepted, warnings=sorted(checks.loc[checks.level == "warning", "id"]) if len(checks) else [],
                channels=_channel_rows(case, roi, share, ident))


def run_pmm(name, draws, tune, chains, seed):
    from pymc_marketing.mmm import MMM, GeometricAdstock, LogisticSaturation  # 1.3.0: the multidimensional MMM
    case = load_case(name)
    w = case.wide.copy()
    w["date"] = pd.to_datetime(w["date"])
    X = w[["date", *(["geo"] if case.geo else []), *case.channels, *case.controls]]
    y = w[case.kpi].rename("y")
    t0 = time.perf_counter()
    mmm = MMM(date_column="date", channel_columns=case.channels, control_columns=case.controls or None, target_column="y",
              adstock=GeometricAdstock(l_max=8), saturation=LogisticSaturation(), yearly_seasonality=2,
              dims=("geo",) if case.geo else None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        idata = mmm.fit(X, y, draws=draws, tune=tune, chains=chains, random_seed=seed, nuts_sampler="nutpie", progressbar=False)
    wall = time.perf_counter() - t0
    post = idata["posterior"].to_dataset()
    contrib = post["channel_contribution"] * mmm.get_scales_as_xarray()["target_scale"]
    tot = contrib.sum([d for d in contrib.dims if d not in ("chain", "draw", "channel")]).sel(channel=case.channels)
    tot = tot.transpose("chain", "draw", "channel").values
    spend = w[case.channels].sum().values
    st = idata["sample_stats"].to_dataset()
    share = tot.mean(axis=(0, 1)) / float(w[case.kpi].sum())
    return dict(wall_s=wall, divergences=int(st["diverging"].sum()) if "diverging" in st else 0,
                rhat_max=_rhat_max(idata, [v.name for v in mmm.model.free_RVs]), channels=_channel_rows(case, tot / spend, share))


def _merge(base: dict, over: dict) -> dict:
    "`base` with `over` merged in (nested dicts merged key by key; a new transform `type` brings its own default priors)."
    out = dict(base)
    if "type" in over and "priors" not in over and over["type"] != base.get("type"): out.pop("priors", None)
    for k, v in over.items(): out[k] = _merge(base[k], v) if isinstance(v, dict) and isinstance(base.get(k), dict) else v
    return out


def child(a):
    which, name, draws, tune, chains, seed, over = (*a, "{}") if len(a) == 6 else a
    args = (name, int(draws), int(tune), int(chains), int(seed))
    out = run_pmm(*args) if which == "pmm" else run_ours(*args, json.loads(over))
    print("RESULT " + json.dumps(out))


def fit_rows(cases, tools, draws, tune, chains, seed, reuse, out_dir: Path, variants: dict | None = None) -> list[dict]:
    "Fit (or read) every case with every tool; `variants`: {name: ModelConfig overrides} run as tool 'ours-<name>'."
    variants = variants or {}
    tools = [*tools, *(f"ours-{v}" for v in variants)]
    rows = []
    for name in cases:
        for tool in tools:
            f = out_dir / f"recovery-{name}-{tool}-{draws}x{tune}x{chains}-s{seed}.json"
            if reuse and f.exists():
                rows.append(json.loads(f.read_text())); continue
            t = time.perf_counter()
            over = json.dumps(variants.get(tool[5:], {})) if tool.startswith("ours") else "{}"
            r = subprocess.run([sys.executable, __file__, "--child", "pmm" if tool == "pymc-marketing" else "ours", name, str(draws),
                                str(tune), str(chains), str(seed), over], capture_output=True, text=True, env=os.environ)
            line = [l for l in r.stdout.splitlines() if l.startswith("RESULT ")]
            if r.returncode or not line:
                print(f"{tool} on {name} failed:\n{r.stderr[-3000:]}", flush=True); continue
            row = {"case": name, "tool": tool, **json.loads(line[-1][7:]), "measured": datetime.date.today().isoformat(),
                   **({"overrides": variants[tool[5:]]} if tool[5:] in variants else {}),
                   **(evidence.stamp("foreign") if tool.startswith("ours") else {})}  # tests/test_evidence.py reads the stamp
            f.write_text(json.dumps(row, indent=1)); rows.append(row)
            print(f"  {name} / {tool}: {time.perf_counter() - t:.0f} s", flush=True)
    return rows


def tables(rows: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    ch, fits = [], []
    for r in rows:
        case = load_case(r["case"])
        roi, share = case.roi, case.share
        min_ess = min(c["roi_ess"] for c in r["channels"])
        fits.append({"case": r["case"], "tool": r["tool"], "wall_s": r["wall_s"], "divergences": r["divergences"], "rhat_max": r["rhat_max"],
                     "min_roi_ess": min_ess, "roi_ess_per_s": min_ess / r["wall_s"], "accepted": ",".join(r.get("accepted", [])),
                     "measured": r["measured"]})
        for c in r["channels"]:
            t = roi[c["channel"]]
            ch.append({"case": r["case"], "channel": c["channel"], "tool": r["tool"], "true_roi": t, "mean": c["mean"],
                       "hdi_low": c["hdi_low"], "hdi_high": c["hdi_high"], "covered": c["hdi_low"] <= t <= c["hdi_high"],
                       "width_ratio": (c["hdi_high"] - c["hdi_low"]) / t, "share_err": abs(c["share"] - share[c["channel"]]),
                       "identified": c["channel"] in case.identified, "label": c.get("identification", "")})
    return pd.DataFrame(ch), pd.DataFrame(fits)


def report(ch: pd.DataFrame, fits: pd.DataFrame):
    pd.set_option("display.width", 250)
    f3 = lambda x: f"{x:,.3g}"
    print("\nPer channel (ROI in KPI units per currency unit; HDI 90%):")
    wide = ch.pivot_table(index=["case", "channel", "true_roi"], columns="tool",
                          values=["mean", "hdi_low", "hdi_high", "covered", "width_ratio", "share_err"], aggfunc="first")
    wide.columns = [f"{t}:{v}" for v, t in wide.columns]
    tools = sorted(ch.tool.unique(), key=lambda t: (t != "ours", t == "pymc-marketing", t))
    order = [f"{t}:{v}" for t in tools for v in ("mean", "hdi_low", "hdi_high", "covered", "width_ratio", "share_err")]
    wide = wide[[c for c in order if c in wide]]
    labels = ch[ch.tool == "ours"].set_index(["case", "channel"])["label"]
    wide["ours:label"] = [labels.get((c, h), "") for c, h, _ in wide.index]
    print(wide.reset_index().to_string(index=False, float_format=f3))
    print("\nPer fit:")
    piv = fits.pivot_table(index="case", columns="tool", values=["wall_s", "divergences", "rhat_max", "roi_ess_per_s"], aggfunc="first")
    piv.columns = [f"{t}:{v}" for v, t in piv.columns]
    for t in tools:
        if t != "pymc-marketing" and {f"{t}:roi_ess_per_s", "pymc-marketing:roi_ess_per_s"} <= set(piv):
            piv[f"{t}/pmm ess_per_s"] = piv[f"{t}:roi_ess_per_s"] / piv["pymc-marketing:roi_ess_per_s"]
    print(piv.reset_index().to_string(index=False, float_format=f3))
    acc = fits[(fits.tool == "ours") & (fits.accepted.fillna("") != "")]
    if len(acc): print("\nData-check errors accepted to fit anyway: " + "; ".join(f"{r.case}: {r.accepted}" for r in acc.itertuples()))
    print("\nAgainst the bars (issue 19):")
    for tool, g in ch.groupby("tool"):
        per_case = g.groupby("case").covered.mean()
        ident = g[g.identified]
        f = fits[fits.tool == tool]
        print(f"  {tool}: ROI inside the 90% HDI for {g.covered.mean():.0%} of {len(g)} channels (bar 85%); worst case "
              f"{per_case.min():.0%} ({per_case.idxmin()}; bar 67%); share error <= 0.05 for {(ident.share_err <= 0.05).mean():.0%} of "
              f"identified channels (max {ident.share_err.max():.3f}); fits with divergences {int((f.divergences > 0).sum())}/{len(f)}; "
              f"R-hat > 1.01 {int((f.rhat_max > 1.01).sum())}/{len(f)}")


def main():
    os.environ.pop("MMM_FIT_CACHE", None)  # measure, never reload a kept fit
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    ap.add_argument("--tools", nargs="*", default=["ours", "pymc-marketing"], choices=["ours", "pymc-marketing"])
    ap.add_argument("--draws", type=int, default=1000); ap.add_argument("--tune", type=int, default=1000)
    ap.add_argument("--chains", type=int, default=4); ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--reuse", action="store_true", help="read rows measured before (same settings) instead of fitting")
    ap.add_argument("--out-dir", default=str(Path(__file__).parent / "results"))
    ap.add_argument("--variant", action="append", default=[], metavar="NAME=JSON",
                    help='also fit ours with ModelConfig overrides, as tool ours-NAME, e.g. hill=\'{"saturation": {"type": "hill"}}\'')
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child: return child(a.child)
    out = Path(a.out_dir); out.mkdir(exist_ok=True)
    variants = {v.split("=", 1)[0]: json.loads(v.split("=", 1)[1]) for v in a.variant}
    rows = fit_rows(a.cases, a.tools, a.draws, a.tune, a.chains, a.seed, a.reuse, out, variants)
    if not rows: sys.exit("no fit succeeded")
    print(f"\nRecovery: ours vs PyMC-Marketing 1.3.0, nutpie, {a.chains} chains x ({a.tune} tune + {a.draws} draws), seed {a.seed}")
    report(*tables(rows))


if __name__ == "__main__":
    main()
