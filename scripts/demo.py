"""`make demo`: fit the bundled demo MFF with the default model and write the results to out/.

Loads and aligns the demo panel, fits `BayesianMMM` with the embedded defaults (nutpie, 4 chains), prints the
diagnostics, the ROI table with 90% intervals beside the simulator's true ROI, the component decomposition, the
marginal ROI, the best split of the next 13 weeks' budget and the model review checklist, and writes to out/: report.html
(the self-contained HTML report: open it offline), report_tables/ (the report's tables as CSV) and report_tables.xlsx,
the panel (netCDF), the ROI and decomposition tables (CSV) and the fitted model folder (configs + trace, netCDF/JSON).
"""
import argparse
import logging
import time
import warnings
from pathlib import Path


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="out", help="output folder (default: out/)")
    ap.add_argument("--draws", type=int, default=None, help="override the config's draws (default 1000)")
    ap.add_argument("--tune", type=int, default=None, help="override the config's tune (default 1000)")
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    import pandas as pd
    from mmm_framework import BayesianMMM, ModelConfigBuilder, demo_mff_config, demo_truth, load_demo_mff, load_mff
    from mmm_framework.reporting import MMMReportGenerator, ReportConfig
    logging.getLogger("pymc").setLevel(logging.WARNING)  # PyMC's "Sampling: [...]" lines (after the import: PyMC sets its level there)

    mff, config = load_demo_mff(), demo_mff_config()
    panel = load_mff(mff, config)
    print(f"Loaded the demo MFF: {len(mff):,} rows -> {panel!r}")
    for m in panel.log: print("  -", m)
    model = BayesianMMM(panel, ModelConfigBuilder().with_kpi(config.kpi.name).build())
    print(f"\nFitting {model!r} ...")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = model.fit(draws=a.draws, tune=a.tune)
    for w in caught:
        if "convergence" in str(w.message).lower(): print("WARNING:", w.message)
    d = results.diagnostics
    print(f"Fitted in {d['fit_seconds']:.1f} s with {d['sampler']}: divergences {d['divergences']}, R-hat max {d['rhat_max']:.3f}, "
          f"ESS bulk min {d['ess_bulk_min']:.0f}, ESS tail min {d['ess_tail_min']:.0f}")
    roi = model.compute_roi(hdi_prob=0.9)
    roi["true_roi"] = demo_truth().roi
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(f"\nROI ({config.kpi.unit} of {config.kpi.name} per currency unit of spend; 90% HDI) beside the simulator's truth:")
        print(roi[["mean", "hdi_low", "hdi_high", "spend", "contribution", "true_roi"]].to_string(float_format="{:,.3f}".format))
        dec = model.compute_component_decomposition()
        print(f"\nWhere the {config.kpi.name} came from (totals over the sample, {config.kpi.unit}):")
        print(dec.to_string(float_format="{:,.1f}".format))
        mroi = model.marginal_roi()
        print("\nMarginal ROI at current spend (the next currency unit; 90% HDI):")
        print(mroi[["mean", "hdi_low", "hdi_high", "spend"]].to_string(float_format="{:,.3f}".format))
        t1 = time.perf_counter()
        plan = model.optimize_budget(n_periods=13)
        l = plan.lift.loc["lift"]
        print(f"\nNext 13 weeks, same budget ({plan.budget:,.0f}), each channel within 50%-150% of its recent spend "
              f"({time.perf_counter() - t1:.1f} s):")
        print(plan.allocation[["reference_spend", "optimal_spend", "change_pct"]].to_string(float_format="{:,.1f}".format))
        print(f"Expected lift {l['mean']:,.0f} {config.kpi.unit} (90% HDI {l['hdi_low']:,.0f} to {l['hdi_high']:,.0f})")
        review = model.review()
        print(f"\nModel review: {review.status}")
        for c in review.checks: print(f"  [{c.status:4}] {c.name}: {c.value}" + (f" -- {c.reason}" if c.status != "pass" else ""))

    panel.to_xarray().to_netcdf(out / "demo_panel.nc")
    roi.to_csv(out / "demo_roi.csv")
    dec.to_csv(out / "demo_decomposition.csv")
    mroi.to_csv(out / "demo_marginal_roi.csv")
    plan.allocation.to_csv(out / "demo_budget_plan.csv")
    model.save(out / "demo_model")
    t2 = time.perf_counter()
    gen = MMMReportGenerator(ReportConfig(title="Demo: marketing mix model of the bundled data", currency="USD", author="mmm_framework demo"))
    gen.generate_report(results, model.model_config)
    gen.save(out / "report.html")
    gen.export_tables(out / "report_tables")
    gen.export_tables(out / "report_tables.xlsx", format="xlsx")
    print(f"\nReport: {out / 'report.html'} ({(out / 'report.html').stat().st_size / 1e6:.1f} MB, {len(gen.sections)} sections, "
          f"{time.perf_counter() - t2:.1f} s); tables in {out / 'report_tables'}/ and report_tables.xlsx")
    for k, v in gen.notes.items(): print(f"  (left out: {k} -- {v})")
    print(f"\nWrote report.html, report_tables/, report_tables.xlsx, {', '.join(sorted(p.name for p in out.glob('demo_*')))} "
          f"to {out}/ in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
