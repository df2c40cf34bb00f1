"""Budget optimizer runtime on the geo benchmark model (issue 4): 20 geos x 104 weeks x 4 channels, fitted with the
default sampler settings, then a 13-week plan by channel (4 units) and by geo and channel (80 units), and the budget
that meets a target marginal ROI. Prints the set-up time (compiling the posterior response, once per fit), the
optimisation wall time, objective evaluations (value + gradient), draws used and the expected lift over the
reference plan with its 90% HDI.

    .venv/bin/python benchmarks/bench_optimizer.py [--geos 20] [--draws 1000 --tune 1000 --chains 4] [--max-draws 300]
"""
import argparse, time, warnings

import numpy as np
import pandas as pd


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--geos", type=int, default=20)
    ap.add_argument("--draws", type=int, default=1000); ap.add_argument("--tune", type=int, default=1000)
    ap.add_argument("--chains", type=int, default=4); ap.add_argument("--max-draws", type=int, default=300)
    a = ap.parse_args()
    from mmm_framework.builders import ModelConfigBuilder
    from mmm_framework.data_loader import load_mff
    from mmm_framework.datasets import simulate_mmm
    from mmm_framework.model import BayesianMMM
    from mmm_framework.optimization import BudgetPlanner
    df, truth = simulate_mmm(n_periods=104, n_geos=a.geos, channels=("TV", "Search", "Social", "Display"), seed=11)
    m = BayesianMMM(load_mff(df, truth.config), ModelConfigBuilder().with_kpi("Sales").build())
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = m.fit(draws=a.draws, tune=a.tune, chains=a.chains, random_seed=1, nuts_sampler="nutpie")
    print(f"fit: {time.perf_counter() - t0:.1f} s, divergences {res.diagnostics['divergences']}, R-hat max {res.diagnostics['rhat_max']:.3f}")
    rows = []
    for by_series in (False, True):
        t = time.perf_counter()
        p = BudgetPlanner(m, n_periods=13, by_series=by_series, max_draws=a.max_draws)
        p.value_and_grad(p.ref_spend)  # first call JIT-compiles the posterior response (once per fit)
        setup = time.perf_counter() - t
        calls = [0]; f = p.value_and_grad
        def counted(*args, **kw):
            calls[0] += 1; return f(*args, **kw)
        p.value_and_grad = counted
        t = time.perf_counter(); r = p.optimize(); wall = time.perf_counter() - t
        l = r.lift.loc["lift"]
        rows.append({"plan": "by geo x channel" if by_series else "by channel", "units": len(r.allocation), "draws": p.pr.n_draws,
                     "setup_s": setup, "optimize_s": wall, "evaluations": calls[0], "s_per_eval": wall / max(calls[0], 1),
                     "lift_mean": l["mean"], "lift_hdi_low": l["hdi_low"], "lift_hdi_high": l["hdi_high"]})
        if not by_series:
            zero = p.draws_kpi(np.zeros(len(p.units))).mean()
            m_ref = p._plan_roi(p.ref_spend, "marginal_roi", "mean", 0.2, zero)
            calls[0] = 0; t = time.perf_counter()
            r2 = p.budget_for_target(m_ref * 1.2, kind="marginal_roi", bounds=(0.2, 3.0))
            rows.append({"plan": "target marginal ROI x1.2", "units": len(r2.allocation), "draws": p.pr.n_draws, "setup_s": 0.0,
                         "optimize_s": time.perf_counter() - t, "evaluations": calls[0], "s_per_eval": np.nan,
                         "lift_mean": r2.lift.loc["lift", "mean"], "lift_hdi_low": r2.lift.loc["lift", "hdi_low"],
                         "lift_hdi_high": r2.lift.loc["lift", "hdi_high"]})
    print(f"\nBudget optimizer on the {a.geos}-geo model (13-week window, {a.max_draws} posterior draws):")
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda x: f"{x:,.3f}"))


if __name__ == "__main__":
    main()
