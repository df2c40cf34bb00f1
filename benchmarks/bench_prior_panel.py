"""Prior-predictive panel update time (issue 5 target: median <= 50 ms for 500 draws x 156 weeks x 5 channels).

Builds a national model (156 weeks, 5 channels), samples its prior once (PriorPredictive), then moves one hyperparameter
at a time, cycling over channels and parameters, and times: the controller alone (`compute`: NumPy only), and the whole
slider callback of the widget (state, compute, in-place update of the four FigureWidgets). Prints a table of the median,
90th percentile and max in milliseconds.

    .venv/bin/python benchmarks/bench_prior_panel.py [--draws 500] [--weeks 156] [--channels 5] [--repeats 60]
"""
import argparse
import time
import warnings

import numpy as np
import pandas as pd


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=500); ap.add_argument("--weeks", type=int, default=156)
    ap.add_argument("--channels", type=int, default=5); ap.add_argument("--repeats", type=int, default=60)
    a = ap.parse_args()
    from mmm_framework.builders import ModelConfigBuilder
    from mmm_framework.data_loader import load_mff
    from mmm_framework.datasets import simulate_mmm
    from mmm_framework.model import BayesianMMM
    from mmm_framework.ui.prior_panel import PriorPredictivePanel
    names = ("TV", "Search", "Social", "Display", "Radio", "Print", "OOH", "Video")[: a.channels]
    df, truth = simulate_mmm(n_periods=a.weeks, channels=names, seed=3)
    mmm = BayesianMMM(load_mff(df, truth.config), ModelConfigBuilder().with_kpi("Sales").build())
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = PriorPredictivePanel(mmm, samples=a.draws, seed=0)
    setup = time.perf_counter() - t0
    ctl, rows = panel.controller, {"controller (compute)": [], "slider callback (compute + redraw)": []}
    rng = np.random.default_rng(0)
    for i in range(a.repeats):
        ch = names[i % len(names)]
        if panel.state.channel != ch: panel.channel.value = ch
        key, par = list(panel.sliders)[i % len(panel.sliders)]
        s = panel.sliders[(key, par)]
        v = float(rng.uniform(s.min + 0.2 * (s.max - s.min), s.min + 0.4 * (s.max - s.min)))
        st = panel.state.set(ch, key, par, v * 1.01)
        t = time.perf_counter(); ctl.compute(st); rows["controller (compute)"].append(time.perf_counter() - t)
        t = time.perf_counter(); s.value = v; rows["slider callback (compute + redraw)"].append(time.perf_counter() - t)
    tab = pd.DataFrame({k: {"median_ms": 1e3 * np.median(v), "p90_ms": 1e3 * np.quantile(v, 0.9), "max_ms": 1e3 * np.max(v)} for k, v in rows.items()}).T
    print(f"\nPrior panel: {a.draws} draws x {a.weeks} weeks x {a.channels} channels; prior sampled once in {setup:.1f} s "
          f"(build, compile, {a.draws} PyMC prior draws); {a.repeats} slider moves")
    print(tab.to_string(float_format=lambda x: f"{x:,.1f}"))
    print(f"target: median <= 50 ms -> {'met' if tab.loc['slider callback (compute + redraw)', 'median_ms'] <= 50 else 'NOT met'}")


if __name__ == "__main__":
    main()
