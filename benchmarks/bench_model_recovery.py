"""Recovery on our own simulator (issue 3's evidence, moved out of the suite by issue 35): with known truth, the default
model finds each channel's ROI and contribution share across national and geo panels, several seeds and transform families.

Bars: the true ROI inside the 90% HDI for at least 80% of channels overall; every estimated contribution share within 0.05
of the truth; no divergences. Default sampler settings (nutpie, 4 chains x (1000 tune + 1000 draws)), seed 7, the model's
adstock / saturation families set to the simulator's. Prints one table and writes benchmarks/results/model-recovery.json
with a hash of the model's sources; tests/test_evidence.py checks those rows against the bars and the sources.

Weibull-CDF + Hill had 200-400 divergences per 2,000 draws until the Weibull-CDF kernel was computed in log space
(transforms.adstock_transformation): pymc-marketing's cumprod of survival probabilities has a NaN gradient once a factor
rounds to 0, and nutpie stops such a trajectory as divergent. With the stable kernel: 0.

    .venv/bin/python benchmarks/bench_model_recovery.py        # ~6 fits, a few minutes on 2 cores
"""
import os
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
import evidence  # noqa: E402

CASES = [  # (name, simulate kwargs, model adstock, model saturation)
    ("national-geometric-logistic-s1", dict(n_periods=156, channels=("TV", "Search", "Social"), seed=101), "geometric", "logistic"),
    ("national-geometric-logistic-s2", dict(n_periods=156, channels=("TV", "Search", "Social", "Display"), seed=202), "geometric", "logistic"),
    ("geo-geometric-logistic", dict(n_periods=104, n_geos=6, channels=("TV", "Search", "Social"), national_channels=("TV",), seed=404),
     "geometric", "logistic"),
    ("national-geometric-hill", dict(n_periods=156, channels=("TV", "Search", "Social"), adstock="geometric", saturation="hill", seed=303),
     "geometric", "hill"),
    ("national-delayed-michaelis_menten", dict(n_periods=156, channels=("TV", "Search", "Social"), adstock="delayed",
                                               saturation="michaelis_menten", seed=505), "delayed", "michaelis_menten"),
    ("national-weibull_cdf-hill", dict(n_periods=156, channels=("TV", "Search", "Social"), adstock="weibull_cdf", saturation="hill",
                                       seed=606), "weibull_cdf", "hill"),
]
BARS = {"coverage_overall": 0.8, "share_err_max": 0.05, "divergences": 0}


def run_case(name, kw, adstock, saturation) -> tuple[list[dict], dict]:
    from mmm_framework import config as C
    from mmm_framework.data_loader import load_mff
    from mmm_framework.datasets import simulate_mmm
    from mmm_framework.model import BayesianMMM
    df, truth = simulate_mmm(**kw)
    m = BayesianMMM(load_mff(df, truth.config), C.ModelConfig(kpi="Sales", adstock={"type": adstock}, saturation={"type": saturation}, seed=7))
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = m.fit()
    roi = m.compute_roi(hdi_prob=0.9)
    share = m.contribution_samples().sum(("date", "series")).mean(("chain", "draw")).to_series() / truth.y.sum().item()
    rows = [{"case": name, "channel": ch, "true_roi": float(truth.roi[ch]), "mean": float(roi.loc[ch, "mean"]),
             "hdi_low": float(roi.loc[ch, "hdi_low"]), "hdi_high": float(roi.loc[ch, "hdi_high"]),
             "covered": bool(roi.loc[ch, "hdi_low"] <= truth.roi[ch] <= roi.loc[ch, "hdi_high"]),
             "share_err": float(abs(share[ch] - truth.contribution_share[ch]))} for ch in truth.roi.index]
    d = res.diagnostics
    return rows, {"case": name, "divergences": int(d["divergences"]), "rhat_max": float(d["rhat_max"]),
                  "ess_bulk_min": float(d["ess_bulk_min"]), "wall_s": time.perf_counter() - t0}


def main():
    os.environ.pop("MMM_FIT_CACHE", None)  # measure, never reload
    rows, fits = [], []
    for case in CASES:
        r, f = run_case(*case)
        rows += r; fits.append(f)
        print(f"  {case[0]}: {f['wall_s']:.0f} s, {f['divergences']} divergences", flush=True)
    t, fz = pd.DataFrame(rows), pd.DataFrame(fits)
    pd.set_option("display.width", 200)
    print("\n" + t.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    print("\n" + fz.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    print(f"\nROI inside the 90% HDI: {t.covered.mean():.0%} of {len(t)} channels (bar {BARS['coverage_overall']:.0%}); "
          f"max share error {t.share_err.max():.3f} (bar {BARS['share_err_max']}); divergences {fz.divergences.sum()} (bar 0)")
    print("wrote", evidence.write("model-recovery", {"bars": BARS, "rows": rows, "fits": fits}, "core"))


if __name__ == "__main__":
    main()
