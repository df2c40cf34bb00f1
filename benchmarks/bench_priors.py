"""What the default priors imply before any fit (issue 19): on every corpus case (tests/corpus.py) and the bundled demo, the
prior-predictive KPI band and the prior ROI range, for the defaults and for candidate priors given as ModelConfig overrides.

Per case and config, from 500 prior draws: the 90% prior-predictive band of the KPI per period (5% and 95% quantiles of
`y`), as multiples of the observed KPI's mean (`band_low`, `band_high`: the issue asks for a band that covers the
observed KPI and sits within ~2x of it), the share of observed periods inside the band (`covered`), and the prior's
90% ROI range over the channels (`roi_low`, `roi_high`, as multiples of the case's median true ROI) against the true ROIs where the
case knows them (`true_roi_in_range`: the share of channels whose true ROI lies inside their prior's 90% range).
No sampling of the posterior: a few seconds per case.

    .venv/bin/python benchmarks/bench_priors.py [--cases pmm-example adv-hill ...] [--variant NAME=JSON ...]
"""
import argparse, json, sys, warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests")); sys.path.insert(0, str(ROOT / "benchmarks"))
from corpus import CASES, load_case  # noqa: E402
from bench_recovery import _merge  # noqa: E402


def _demo():
    from mmm_framework import demo_mff_config, demo_truth, load_demo_mff, load_mff
    cfg = demo_mff_config()
    return load_mff(load_demo_mff(), cfg), cfg.kpi.name, demo_truth().roi


def measure(panel, kpi: str, true_roi, overrides=None) -> dict:
    from mmm_framework.builders import ModelConfigBuilder
    from mmm_framework.model import BayesianMMM
    cfg = ModelConfigBuilder().with_kpi(kpi).build()
    if overrides: cfg = type(cfg).from_dict(_merge(cfg.to_dict(), overrides))
    m = BayesianMMM(panel, cfg)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pp = m.sample_prior_predictive(500, random_seed=0)["y"].sum("series").values  # (sample, date)
        roi = m.prior_roi(samples=500, hdi_prob=0.9, random_seed=0)
    obs = np.nansum(m.data.y, axis=1)
    lo, hi = np.quantile(pp, [0.05, 0.95], axis=0)
    truth = pd.Series(true_roi).reindex(roi.index)
    med = float(truth.median())  # the prior's ROI range in multiples of the case's median true ROI
    inside = ((roi.hdi_low <= truth) & (truth <= roi.hdi_high))[truth.notna()]
    return {"band_low": float(lo.min() / obs.mean()), "band_high": float(hi.max() / obs.mean()),
            "covered": float(((lo <= obs) & (obs <= hi)).mean()), "roi_low": float(roi.hdi_low.min() / med),
            "roi_high": float(roi.hdi_high.max() / med), "true_roi_in_range": float(inside.mean()) if len(inside) else np.nan}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", nargs="*", default=["demo", *CASES])
    ap.add_argument("--variant", action="append", default=[], help="NAME=JSON ModelConfig overrides")
    a = ap.parse_args()
    variants = {"default": None} | {v.split("=", 1)[0]: json.loads(v.split("=", 1)[1]) for v in a.variant}
    rows = []
    for name in a.cases:
        if name == "demo": panel, kpi, truth = _demo()
        else:
            case = load_case(name)
            panel, kpi, truth = case.panel(), case.kpi, case.roi
        for v, over in variants.items():
            rows.append({"case": name, "config": v, **measure(panel, kpi, truth, over)})
            print(f"  {name} / {v}: done", file=sys.stderr, flush=True)
    t = pd.DataFrame(rows).set_index(["case", "config"])
    with pd.option_context("display.width", 200, "display.max_rows", 200):
        print("\nPrior-predictive KPI band (90%, per period, x observed mean) and prior ROI range (90%):")
        print(t.to_string(float_format=lambda x: f"{x:,.3g}"))
        print("\nWorst over the cases, per config:")
        print(t.groupby("config").agg(band_low=("band_low", "min"), band_high=("band_high", "max"), covered=("covered", "min"),
                                      roi_high=("roi_high", "max"), true_roi_in_range=("true_roi_in_range", "mean"))
              .to_string(float_format=lambda x: f"{x:,.3g}"))


if __name__ == "__main__":
    main()
