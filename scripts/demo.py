"""`make demo`: fit the bundled demo MFF with the default model and write the results to out/.

Loads and aligns the demo panel, fits `BayesianMMM` with the embedded defaults (nutpie, 4 chains), prints the
diagnostics, the ROI table with 90% intervals beside the simulator's true ROI, the component decomposition, the
marginal ROI, the best split of the next 13 weeks' budget and the model review checklist, and writes to out/: report.html
(the self-contained HTML report: open it offline), report_tables/ (the report's tables as CSV) and report_tables.xlsx,
the panel (netCDF), the ROI and decomposition tables (CSV) and the fitted model folder (configs + trace, netCDF/JSON).
"""
import argparse
import logging
import sys
import time
from pathlib import Path


def table(df, money=(), ratio=(), pct=(), names=None) -> str:
    "A frame as people read it (the library's `people_formatters`), with plain headers."
    from mmm_framework.config import people_formatters
    fm = people_formatters(money, ratio, change=pct, share=[c for c in df.columns if c == "share"])
    names = names or {}
    return df.rename(columns=names).to_string(formatters={names.get(k, k): f for k, f in fm.items()})


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
    from mmm_framework.cli import watch_fit
    from mmm_framework.config import spend_unit
    from mmm_framework.reporting import MMMReportGenerator, ReportConfig
    logging.getLogger("pymc").setLevel(logging.WARNING)  # PyMC's "Sampling: [...]" lines (after the import: PyMC sets its level there)

    mff, config = load_demo_mff(), demo_mff_config()
    panel = load_mff(mff, config)
    print(f"Loaded the demo MFF: {len(mff):,} rows -> {panel!r}")
    for m in panel.log: print("  -", m)
    model_config = ModelConfigBuilder().with_kpi(config.kpi.name).build()
    model_config = model_config.replace(**{k: v for k, v in (("draws", a.draws), ("tune", a.tune)) if v is not None})
    model = BayesianMMM(panel, model_config)  # its repr shows the draws it will run
    print(f"\nFitting {model!r} (progress on stderr: compiling, warm-up, sampling) ...", flush=True)
    results = watch_fit(model.fit_async())  # a convergence warning prints on its own line
    d = results.diagnostics
    print(f"Fitted in {d['fit_seconds']:.1f} s with {d['sampler']}: divergences {d['divergences']}, R-hat max {d['rhat_max']:.3f}, "
          f"ESS bulk min {d['ess_bulk_min']:.0f}, ESS tail min {d['ess_tail_min']:.0f}")
    cur = spend_unit(config.kpi.unit)  # the report's rule: a KPI in USD means spend in USD
    roi = model.compute_roi(hdi_prob=0.9)
    roi["true_roi"] = demo_truth().roi
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(f"\nROI ({config.kpi.unit} of {config.kpi.name} per {cur} of spend; 90% HDI) beside the simulator's truth:")
        print(table(roi[["mean", "hdi_low", "hdi_high", "spend", "contribution", "true_roi"]], money=["spend", "contribution"],
                    ratio=["mean", "hdi_low", "hdi_high", "true_roi"], names={"mean": "ROI", "hdi_low": "90% low", "hdi_high": "90% high",
                    "spend": f"spend ({cur})", "contribution": f"contribution ({config.kpi.unit})", "true_roi": "true ROI"}))
        dec = model.compute_component_decomposition()
        print(f"\nWhere the {config.kpi.name} came from (totals over the sample, {config.kpi.unit}):")
        print(table(dec[["mean", "hdi_low", "hdi_high", "share"]], money=["mean", "hdi_low", "hdi_high"],
                    names={"mean": f"total ({config.kpi.unit})", "hdi_low": "90% low", "hdi_high": "90% high", "share": "share of KPI"}))
        mroi = model.marginal_roi()
        print(f"\nMarginal ROI at current spend (the next {cur}; 90% HDI):")
        print(table(mroi[["mean", "hdi_low", "hdi_high", "spend"]], money=["spend"], ratio=["mean", "hdi_low", "hdi_high"],
                    names={"mean": "marginal ROI", "hdi_low": "90% low", "hdi_high": "90% high", "spend": f"spend ({cur})"}))
        t1 = time.perf_counter()
        plan = model.optimize_budget(n_periods=13)
        l = plan.lift.loc["lift"]
        print(f"\nNext 13 weeks, same budget ({plan.budget:,.0f} {cur}), each channel within 50%-150% of its recent spend "
              f"({time.perf_counter() - t1:.1f} s):")
        print(table(plan.allocation[["reference_spend", "optimal_spend", "change_pct"]], money=["reference_spend", "optimal_spend"],
                    pct=["change_pct"], names={"reference_spend": f"recent spend ({cur})",
                                               "optimal_spend": f"planned spend ({cur})", "change_pct": "change"}))
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
    print("\nWriting the report ...", flush=True)
    gen.generate_report(results, model.model_config, progress=lambda line: print(f"  {line}", file=sys.stderr, flush=True))
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
