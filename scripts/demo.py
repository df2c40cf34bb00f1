"""`make demo`: the bundled demo MFF through the library, outputs in out/.

Until the Bayesian model lands (issue 3) this loads, validates and aligns the demo panel, prints its
summary and alignment log, and writes: the panel (netCDF), its summary (CSV), the simulator's true ROI
(CSV) and an HTML page with the panel overview. The fit and the ROI table will be added here.
"""
import argparse
import time
from pathlib import Path


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="out", help="output folder (default: out/)")
    out = Path(ap.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    import pandas as pd
    from mmm_framework import demo_mff_config, demo_truth, load_demo_mff, load_mff

    mff, config = load_demo_mff(), demo_mff_config()
    panel = load_mff(mff, config)
    print(f"Loaded the demo MFF: {len(mff):,} rows -> {panel!r}\n")
    summary = panel.summary()
    with pd.option_context("display.width", 160, "display.max_columns", 20, "display.float_format", "{:,.2f}".format):
        print(summary, "\n")
    print("Alignment log:")
    for m in panel.log: print("  -", m)
    truth = demo_truth()
    roi = pd.DataFrame({"true_roi": truth.roi, "true_contribution_share": truth.contribution_share})
    print("\nGround truth of the simulated demo (KPI units per currency unit):")
    print(roi.to_string(float_format="{:.3f}".format))

    panel.to_xarray().to_netcdf(out / "demo_panel.nc")
    summary.to_csv(out / "demo_panel_summary.csv")
    roi.to_csv(out / "demo_true_roi.csv")
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>mmm_framework demo panel</title></head><body>"
            f"<h1>Demo panel</h1>{panel._repr_html_()}<h2>Ground truth</h2>{roi.to_html(float_format='{:.3f}'.format)}</body></html>")
    (out / "demo_report.html").write_text(page)
    print(f"\nWrote {', '.join(sorted(p.name for p in out.glob('demo_*')))} to {out}/ in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
