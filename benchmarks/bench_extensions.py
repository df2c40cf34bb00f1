"""Recovery evidence for the extension models and control selection (moved out of the suite by issue 35): each case is
fitted at full size on a simulator with known truth, and the numbers the bars are judged on are written to
benchmarks/results/extensions-recovery.json with a hash of the model's sources (tests/test_evidence.py judges them).

Cases and bars:
- nested-partial: NestedMMM, awareness observed with gaps (156 weeks, 2 x (1000 + 1000)); >= 80% of the true paths (direct,
  via awareness, total) inside their 90% HDIs; no divergences. R-hat is printed, not judged (TV's curve ridge: 1.03-1.05).
- nested-survey: the same from survey waves only; the same bars, and the mediator's fit reported as a proportion in (0, 1).
- selection-inclusion / selection-horseshoe: 6 candidate controls, 2 that matter (60 and -45 per SD); spike-and-slab and
  horseshoe (2 x (500 + 500)): inclusion probability > 0.9 for those two, < 0.5 for the four others, their HDIs hold the truth.
- multivariate: two outcomes with premium's promotion cannibalising basic (2 x (1000 + 1000)): the cross effect's psi and the
  sales it moves inside their HDIs, >= 80% of per-outcome media effects inside theirs, the residual correlation inside its
  HDI, no divergences.
- combined: mediation and two outcomes (2 x (800 + 800); the TV curve ridge mixes slowly, R-hat 1.13 at 600): >= 80% of the
  true paths per outcome inside their HDIs, the cannibalisation found (its HDI below 0), no divergences.

    .venv/bin/python benchmarks/bench_extensions.py [--cases nested-partial multivariate ...]   # ~10 minutes on 2 cores
"""
import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
import evidence  # noqa: E402

CANNIBAL = [{"source_outcome": "premium", "target_outcome": "basic", "promotion_column": "premium_promo"}]
AWARE = {"awareness": ("TV", "Social")}


def _fit(m, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.fit(nuts_sampler="nutpie", **kw)
    d = m.results.diagnostics
    return {"divergences": int(d["divergences"]), "rhat_max": float(d["rhat_max"]), "ess_bulk_min": float(d["ess_bulk_min"])}


def _nested(observation: str, kind: str) -> dict:
    from mmm_framework.config import ModelConfig
    from mmm_framework.datasets import simulate_nested
    from mmm_framework.mmm_extensions import MediatorConfig, NestedMMM, NestedModelConfig
    sim = simulate_nested(n_periods=156, mediators={"awareness": {"TV": 1.2, "Social": 0.8}}, observation={"awareness": observation}, seed=3)
    cfg = NestedModelConfig(mediators=[MediatorConfig(name="awareness", mediator_type=kind)], media_to_mediator_map=AWARE,
                            share_saturation_across_mediators=True)
    m = NestedMMM(sim.X_media.to_numpy(), sim.y.to_numpy(), sim.channels, cfg, index=sim.X_media.index,
                  model_config=ModelConfig(chains=2, draws=1000, tune=1000, seed=1), mediator_data=sim.mediator_data)
    out = _fit(m)
    eff, truth = m.compute_mediation_effects(), sim.effects["effect"]
    inside = [bool(eff.loc[i, "hdi_low"] <= truth[i] <= eff.loc[i, "hdi_high"]) for i in truth.index if i in eff.index]
    p = m.mediator_fit("awareness")["mean"]
    return out | {"path_coverage": float(np.mean(inside)), "paths": len(inside), "mediator_in_0_1": bool(((p > 0) & (p < 1)).all())}


def _selection(method: str) -> dict:
    from mmm_framework.config import ModelConfig
    from mmm_framework.datasets import simulate_mmm
    from mmm_framework.mmm_extensions import inclusion_prob_selection_config, sparse_selection_config
    from mmm_framework.model import BayesianMMM
    sel = inclusion_prob_selection_config(0.3, slab_scale=1.0) if method == "inclusion" else sparse_selection_config(2)
    n = 156
    df, truth = simulate_mmm(n_periods=n, channels=("TV", "Search"), controls=False, noise=0.02, seed=0)
    Z = np.random.default_rng(1).normal(size=(n, 6))
    y = truth.y.values[:, 0] + Z @ np.array([60.0, -45.0, 0, 0, 0, 0])
    m = BayesianMMM(truth.spend.values[:, 0, :], y, ["TV", "Search"], ModelConfig(chains=2, draws=500, tune=500, seed=2, control_selection=sel),
                    X_controls=Z, control_names=[f"z{k}" for k in range(6)])
    out = _fit(m)
    s = m.control_selection_summary()
    return out | {"inclusion_min_relevant": float(s.loc[["z0", "z1"], "inclusion_prob"].min()),
                  "inclusion_max_irrelevant": float(s.loc[["z2", "z3", "z4", "z5"], "inclusion_prob"].max()),
                  "relevant_covered": bool(s.loc["z0", "hdi_low"] < 60 < s.loc["z0", "hdi_high"] and s.loc["z1", "hdi_low"] < -45 < s.loc["z1", "hdi_high"])}


def _multivariate() -> dict:
    from mmm_framework.config import ModelConfig
    from mmm_framework.datasets import simulate_multivariate
    from mmm_framework.mmm_extensions import MultivariateModelConfig
    from mmm_framework.mmm_extensions.multivariate import MultivariateMMM
    ms = simulate_multivariate(n_periods=156, seed=2)
    cfg = MultivariateModelConfig(outcomes=[{"name": "premium"}, {"name": "basic"}], cross_effects=CANNIBAL)
    m = MultivariateMMM(ms.X_media.to_numpy(), ms.outcomes, ms.channels, cfg, index=ms.outcomes.index,
                        model_config=ModelConfig(chains=2, draws=1000, tune=1000, seed=1), promotion_data=ms.promotions,
                        promotion_owner={"basic_promo": "basic", "premium_promo": "premium"})
    out = _fit(m)
    ce, t = m.compute_cross_effects().iloc[0], ms.cross.iloc[0]
    oe = m.compute_outcome_effects()
    inside = [bool(oe.loc[(o, c), "hdi_low"] <= ms.effects.loc[(o, c), "effect"] <= oe.loc[(o, c), "hdi_high"]) for o, c in ms.effects.index]
    corr = m.outcome_correlation().loc[("premium", "basic")]
    return out | {"psi_covered": bool(ce.psi_hdi_low <= t.psi <= ce.psi_hdi_high), "moved_covered": bool(ce.moved_hdi_low <= t.total <= ce.moved_hdi_high),
                  "effect_coverage": float(np.mean(inside)), "correlation_covered": bool(corr.hdi_low <= ms.correlation[0, 1] <= corr.hdi_high)}


def _combined() -> dict:
    from mmm_framework.config import ModelConfig
    from mmm_framework.datasets import simulate_combined
    from mmm_framework.mmm_extensions import CombinedModelConfig
    from mmm_framework.mmm_extensions.combined import CombinedMMM
    ms, med_data, true_ind = simulate_combined(n_periods=156, seed=1)
    cc = CombinedModelConfig(nested={"mediators": [{"name": "awareness"}], "media_to_mediator_map": AWARE},
                             multivariate={"outcomes": [{"name": "premium"}, {"name": "basic"}], "share_media_saturation": True, "cross_effects": CANNIBAL})
    m = CombinedMMM(ms.X_media.to_numpy(), ms.outcomes, ms.channels, cc, mediator_data=med_data, promotion_data=ms.promotions,
                    promotion_owner={"basic_promo": "basic"}, index=ms.outcomes.index, model_config=ModelConfig(chains=2, draws=800, tune=800, seed=1))
    out = _fit(m)
    me = m.compute_mediation_effects()
    truth = {(o, c, "direct"): v for (o, c), v in ms.effects["effect"].items()} | {(o, c, "awareness"): v for (o, c), v in true_ind["effect"].items()}
    inside = [bool(me.loc[k, "hdi_low"] <= v <= me.loc[k, "hdi_high"]) for k, v in truth.items()]
    return out | {"path_coverage": float(np.mean(inside)), "paths": len(inside), "moved_hdi_high": float(m.compute_cross_effects().iloc[0].moved_hdi_high)}


CASES = {"nested-partial": lambda: _nested("partial", "partially_observed"), "nested-survey": lambda: _nested("survey", "aggregated_survey"),
         "selection-inclusion": lambda: _selection("inclusion"), "selection-horseshoe": lambda: _selection("horseshoe"),
         "multivariate": _multivariate, "combined": _combined}


def main():
    os.environ.pop("MMM_FIT_CACHE", None)  # measure, never reload a kept fit
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    a = ap.parse_args()
    cases = {}
    for name in a.cases:
        t0 = time.perf_counter()
        cases[name] = CASES[name]() | {"wall_s": time.perf_counter() - t0}
        print(f"  {name}: {cases[name]['wall_s']:.0f} s", flush=True)
    pd.set_option("display.width", 200)
    print("\n" + pd.DataFrame(cases).T.to_string())
    if set(cases) != set(CASES): print("a subset of the cases: nothing written (the evidence is every case, from one set of sources)"); return
    print("wrote", evidence.write("extensions-recovery", {"cases": cases}, "extensions"))


if __name__ == "__main__":
    main()
