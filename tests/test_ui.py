"""Widgets (issue 5): views built without a kernel and driven through their widgets' values, on a small fitted geo model
kept on disk; and the same panels served by Voila and used in headless Chromium (a slider moved, the plot changed,
no JavaScript errors, a screenshot kept)."""
import json
import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from browser import PLOTS_JS, check_plots
from conftest import require_chromium, tiny_geo_fit_path
from mmm_framework.ui.dashboard import DashboardState, PosteriorDashboard
from mmm_framework.config import PriorConfig
from mmm_framework.ui.prior_panel import PriorPanelState, PriorPredictivePanel, state_to_config

pytestmark = pytest.mark.slow
ROOT = Path(__file__).parents[1]
ARTIFACTS = Path(__file__).parent / "artifacts"


def test_prior_panel_sliders_drive_state_figures_and_config(tiny_geo):
    panel = PriorPredictivePanel(tiny_geo, samples=200, seed=0)
    kpi_before = np.array(panel.figs["kpi"].data[0].y)
    assert ("saturation.beta", "sigma") not in panel.sliders  # under the default ROI prior the curve's scale has no slider of its own
    s = panel.sliders[("roi", "mu")]
    s.value = s.value + 1.0  # TV's ROI prior e (2.7) times larger
    assert panel.state.priors["TV"]["roi"].params["mu"] == pytest.approx(s.value)
    assert not np.allclose(panel.figs["kpi"].data[0].y, kpi_before)  # the KPI band moved
    assert np.array(panel.figs["kpi"].data[0].y).max() > kpi_before.max()  # a larger TV effect widens it upwards
    panel.hdi.value = 0.5
    assert panel.state.hdi_prob == 0.5
    mff = panel.to_config()
    assert next(m for m in mff.media_channels if m.name == "TV").roi_prior.params["mu"] == pytest.approx(s.value)
    again = PriorPanelState.from_dict(json.loads(json.dumps(panel.state.to_dict())))
    assert again == panel.state and state_to_config(again, tiny_geo) == mff
    fig = panel.figure()
    assert len(fig.data) == 2 + 2 + 3 + 2  # adstock, saturation, KPI, one box per channel


def test_dashboard_selectors_update_traces_in_place(tiny_geo):
    db = PosteriorDashboard(tiny_geo, max_draws=60)
    figs = dict(db.figs)
    geo = db.data.geos[2]
    db.geo.value = geo
    assert all(db.figs[k] is figs[k] for k in figs)  # the same widgets, new data
    fit = db.data.fit(db.state)
    np.testing.assert_allclose(np.asarray(db.figs["fit"].data[3].y, float), fit.actual.values)
    roi = db.data.roi(db.state)
    np.testing.assert_allclose(np.asarray(db.figs["roi"].data[0].x, float), roi["mean"].values)
    db.hdi.value = 0.6
    narrow = db.data.roi(db.state)
    assert ((narrow.hdi_high - narrow.hdi_low) < (roi.hdi_high - roi.hdi_low)).all()
    db.channel.value = "Search"
    assert {t.name for t in db.figs["response_curves"].data} == {"Search HDI", "Search", "Search current"}
    dates = list(db.period.options)
    db.period.value = (dates[5], dates[30])
    assert len(db.figs["fit"].data[3].y) == 26 and db.state.period == (dates[5], dates[30])
    q = db.data.roi(db.state)  # the window's contribution over the window's spend in this geo
    assert not np.allclose(q["mean"].values, db.data.roi(replace(db.state, period=None))["mean"].values)
    db.period.value = (dates[0], dates[-1])  # the whole sample again
    assert db.state.period is None
    db.tabs.selected_index = 2
    assert db.state == DashboardState(geo=geo, channel="Search", hdi_prob=0.6, tab="roi")
    with pytest.raises(ValueError, match="tab must be one of"):
        db.figure("waterfall")


APP = """{"cells": [{"cell_type": "code", "execution_count": null, "id": "a1", "metadata": {}, "outputs": [],
 "source": ["import os, warnings\\n", "warnings.simplefilter('ignore')\\n", "import ipywidgets as W\\n", "from mmm_framework.model import BayesianMMM\\n",
            "from mmm_framework.ui.prior_panel import PriorPredictivePanel\\n", "from mmm_framework.ui.dashboard import PosteriorDashboard\\n",
            "mmm = BayesianMMM.load(os.environ['MMM_TEST_FIT'])\\n", "panel = PriorPredictivePanel(mmm, samples=200)\\n",
            "dash = PosteriorDashboard(mmm, max_draws=60)\\n", "W.VBox([panel.widget, dash.widget])  # built first, shown last: the kernel is idle while widgets start"]}],
 "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}"""


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]


def _voila(notebook: Path, cwd: Path, env_extra: dict):
    "Start Voila on a free port with our template; return (process, port) once it listens."
    port = _free_port()
    env = {**os.environ, **env_extra, "JUPYTER_PATH": str(ROOT / "mmm_framework" / "share")}
    proc = subprocess.Popen([str(Path(sys.executable).parent / "voila"), str(notebook), f"--port={port}", "--no-browser",
                             "--Voila.ip=127.0.0.1", "--template=mmm"], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for _ in range(120):
        with socket.socket() as so:
            if so.connect_ex(("127.0.0.1", port)) == 0: return proc, port
        assert proc.poll() is None, proc.stdout.read()
        time.sleep(0.5)
    raise TimeoutError("voila did not start")


def _stop(proc) -> str:
    "Stop Voila; return what it printed."
    proc.terminate()
    try: return proc.communicate(timeout=20)[0]
    except subprocess.TimeoutExpired: proc.kill(); return ""


# anywidget's runtime rejects a promise with this message (an unhandled rejection: a page error) when a widget model takes
# over 2 s (its own fixed timer) to initialise; on a loaded CI machine plotly's 4 MB bundle can take that long, yet the
# widget still renders. The tests that can see it assert that every plot is drawn.
ANYWIDGET_SLOW_INIT = "[anywidget] Failed to initialize model."


def _page(p, errors: list):
    "Headless Debian Chromium (no background networking) and a page that records console errors, page errors and failed requests."
    browser = p.chromium.launch(executable_path=require_chromium(), args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                                                "--disable-component-update", "--disable-sync", "--no-first-run"])
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and ANYWIDGET_SLOW_INIT not in m.text else None)
    page.on("pageerror", lambda e: errors.append(str(e)) if ANYWIDGET_SLOW_INIT not in str(e) else None)  # its rejected promise
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
    return browser, page


def test_voila_app_slider_changes_plot_in_chromium(tmp_path, tiny_geo):
    "The prior panel's slider changes its plots; every dashboard tab draws what its figure holds (dates as dates); screenshots kept."
    require_chromium()
    from playwright.sync_api import sync_playwright
    (tmp_path / "app.ipynb").write_text(APP)
    voila, port = _voila(tmp_path / "app.ipynb", tmp_path, {"MMM_TEST_FIT": str(tiny_geo_fit_path())})
    errors, shot = [], ARTIFACTS / "voila_prior_panel.png"
    try:
        with sync_playwright() as p:
            browser, page = _page(p, errors)
            page.goto(f"http://127.0.0.1:{port}/", timeout=180_000)
            page.wait_for_selector(".widget-slider", timeout=180_000)
            page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 4 * 3 + 5", timeout=240_000)  # 4 panel + 5 dashboard plots
            plot_paths = "Array.from(document.querySelectorAll('.js-plotly-plot')).slice(0, 4).map(p => Array.from(p.querySelectorAll('.scatterlayer path.js-fill, .scatterlayer path.js-line, .boxlayer path')).map(x => x.getAttribute('d')).join('|'))"
            before = page.evaluate(plot_paths)
            readouts = page.locator(".mmm-readout").all_inner_texts()
            labels = page.locator(".widget-slider .widget-label").all_inner_texts()
            period_text = page.get_by_text(re.compile(r"^\d\d \w{3} \d{4} to \d\d \w{3} \d{4}$")).all_inner_texts()
            handle = page.locator(".widget-slider .noUi-handle").nth(1)  # the first hyperparameter slider (the 0th is the interval level)
            handle.focus()
            for _ in range(25): page.keyboard.press("ArrowRight")
            page.wait_for_function(f"JSON.stringify({plot_paths}) !== JSON.stringify({json.dumps(before)})", timeout=120_000)
            after = page.evaluate(plot_paths)
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(shot), full_page=True)
            plots = page.evaluate(PLOTS_JS)
            dash = page.locator(".widget-tab").last  # the dashboard's tabs: one screenshot per tab
            for i, label in enumerate(dash.locator(".lm-TabBar-tabLabel").all_inner_texts()):
                dash.locator(".lm-TabBar-tab").nth(i).click()
                page.wait_for_timeout(300)
                dash.screenshot(path=str(ARTIFACTS / f"dashboard_{label.replace(' ', '_')}.png"))
            browser.close()
    finally:
        out = _stop(voila)
    assert after != before, "moving the slider did not change any plot"
    state = PriorPanelState.from_model(tiny_geo)  # the sliders show the configured values and name the distribution parameter
    hyper = [(k, pr.distribution.pymc_name, par, v) for k, pr in state.priors[state.channel].items() for par, v in pr.params.items()
             if not isinstance(v, PriorConfig)]
    assert readouts == [format(float(v), ".4g") for *_, v in hyper], readouts
    assert [x.strip() for x in labels[1:1 + len(hyper)]] == [f"{k} ~ {d}: {par}" for k, d, par, _ in hyper], labels
    d0, d1 = pd.Timestamp(tiny_geo.data.dates[0]), pd.Timestamp(tiny_geo.data.dates[-1])
    assert period_text == [f"{d0:%d %b %Y} to {d1:%d %b %Y}"], period_text  # the dashboard's period, both dates in full
    assert errors == [], (errors, out[-2000:])
    assert shot.exists() and shot.stat().st_size > 10_000
    figs = PosteriorDashboard(tiny_geo, max_draws=60).data.figures(DashboardState())
    check_plots(plots, {f.layout.title.text: (len(f.data), k in ("fit", "decomposition")) for k, f in figs.items()})
    assert len(plots) == 4 + len(figs)


def test_fit_monitor_updates_on_the_event_loop_thread_only(tiny_geo):
    "The sampler writes progress from its threads; the monitor's widget updates all run on the event loop's thread."
    import asyncio, threading, warnings
    from mmm_framework.model import BayesianMMM, ConvergenceWarning
    from mmm_framework.ui.fit_monitor import FitMonitor
    mmm = BayesianMMM(tiny_geo.panel, tiny_geo.model_config)
    loop = asyncio.new_event_loop()
    job = mmm.fit_async(draws=100, tune=100, chains=2, random_seed=2)
    mon = FitMonitor(job, interval=0.05, loop=loop)
    seen = []
    async def until_done():
        while not job.done():
            seen.append(mon.header.value); await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        loop.run_until_complete(until_done())
        job.result()
    loop.close()
    assert mon.tick_threads == {threading.get_ident()}
    assert job.progress.writer_threads and not (job.progress.writer_threads & mon.tick_threads)
    assert [b.value for b in mon.bars] == [200, 200] and "done" in mon.header.value
    assert any("compiling" in v for v in seen) and any("warm-up" in v or "sampling" in v for v in seen), seen  # each stage as it ran



def test_workbench_app_loads_demo_data_in_chromium(tmp_path):
    "make app's notebook: the workbench opens, 'Use the demo data' loads and shows the panel, no JS errors or failed requests."
    require_chromium()
    from playwright.sync_api import sync_playwright
    proc, port = _voila(ROOT / "mmm_framework" / "share" / "apps" / "workbench.ipynb", tmp_path, {"MMM_OUT": str(tmp_path / "out")})
    errors, shot = [], ARTIFACTS / "voila_workbench.png"
    try:
        with sync_playwright() as p:
            browser, page = _page(p, errors)
            page.goto(f"http://127.0.0.1:{port}/", timeout=180_000)
            page.get_by_role("button", name="Use the demo data").click(timeout=180_000)
            page.wait_for_selector("text=PanelDataset", timeout=120_000)
            tabs = page.locator(".lm-TabBar-tabLabel, .p-TabBar-tabLabel").all_inner_texts()
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(shot))
            browser.close()
    finally:
        out = _stop(proc)
    assert errors == [], (errors, out[-2000:])
    assert [t for t in tabs if t in ("Data", "Configure", "Priors", "Fit", "Results", "Scenarios", "Report")] == \
        ["Data", "Configure", "Priors", "Fit", "Results", "Scenarios", "Report"], tabs
    assert shot.exists()


WORKBENCH_APP = """{"cells": [{"cell_type": "code", "execution_count": null, "id": "w1", "metadata": {}, "outputs": [],
 "source": ["import os, warnings\\n", "warnings.simplefilter('ignore')\\n", "from mmm_framework.model import BayesianMMM\\n",
            "from mmm_framework.ui import Workbench\\n", "from mmm_framework.data_loader import panel_to_mff\\n",
            "frame, cfg = panel_to_mff(BayesianMMM.load(os.environ['MMM_TEST_FIT']).panel, return_config=True)\\n",
            "wb = Workbench(frame, cfg, out_dir=os.environ['MMM_OUT'])\\n",
            "f = wb.config_widget.fields\\n", "f['draws'].value = f['tune'].value = 100; f['chains'].value = 2  # a short fit\\n",
            "wb.widget"]}],
 "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}"""


def test_workbench_fit_results_and_report_in_chromium(tmp_path, tiny_geo):
    "Served workbench: Fit button -> Results draws every tab's traces (dates as dates) -> the report is written under MMM_OUT and offered as a download."
    require_chromium()
    from playwright.sync_api import sync_playwright
    (tmp_path / "wb.ipynb").write_text(WORKBENCH_APP)
    out_dir = tmp_path / "out"
    proc, port = _voila(tmp_path / "wb.ipynb", tmp_path,
                        {"MMM_TEST_FIT": str(tiny_geo_fit_path()), "MMM_OUT": str(out_dir)})
    errors = []
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        with sync_playwright() as p:
            browser, page = _page(p, errors)
            page.goto(f"http://127.0.0.1:{port}/", timeout=180_000)
            tab = lambda name: page.locator(".lm-TabBar-tab", has_text=name).first
            tab("Fit").click(timeout=180_000)
            page.get_by_role("button", name="Fit").click()
            page.wait_for_selector("text=Results are in the Results tab", timeout=400_000)
            page.screenshot(path=str(ARTIFACTS / "workbench_fit.png"))
            tab("Results").click()
            page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 5", timeout=60_000)
            plots = page.evaluate(PLOTS_JS)
            page.screenshot(path=str(ARTIFACTS / "workbench_results.png"))
            tab("Scenarios").click()
            page.get_by_role("button", name="Optimise the budget").click()
            page.wait_for_selector("text=Expected lift vs reference", timeout=300_000)  # the plan itself, not a stage line
            page.screenshot(path=str(ARTIFACTS / "workbench_scenarios.png"))
            plan = page.locator("table", has_text="optimal spend").first.inner_text(timeout=30_000)  # the allocation table
            assert "TV" in plan and "Search" in plan and re.search(r"\d{1,3}(,\d{3})+", plan), plan  # a row per channel, money with separators
            tab("Report").click()
            page.get_by_role("button", name="Write the report").click()
            link = page.wait_for_selector("a.mmm-download", timeout=300_000)
            page.screenshot(path=str(ARTIFACTS / "workbench_report.png"))
            with page.expect_download() as dl:
                link.click()
            saved = tmp_path / "downloaded.html"
            dl.value.save_as(saved)
            status = page.locator("text=Wrote").first.inner_text()
            browser.close()
    finally:
        out = _stop(proc)
    assert errors == [], (errors, out[-2000:])
    figs = PosteriorDashboard(tiny_geo, max_draws=60).data.figures(DashboardState())  # the same fit's layout: trace counts per tab
    check_plots(plots, {f.layout.title.text: (len(f.data), k in ("fit", "decomposition")) for k, f in figs.items()})
    report = out_dir / "report.html"
    assert report.exists() and str(report) in status  # written where MMM_OUT says, and the message names that absolute path
    assert saved.read_bytes() == report.read_bytes()  # the download is the report


def test_workbench_flow_on_a_live_event_loop(tmp_path, tiny_geo):
    "Data -> configure -> fit in the background -> results -> plan -> report, with the monitor ticking on a running loop."
    import asyncio, warnings
    from mmm_framework.model import ConvergenceWarning
    from mmm_framework.ui import Workbench
    from mmm_framework.data_loader import panel_to_mff
    loop = asyncio.new_event_loop()
    frame, cfg = panel_to_mff(tiny_geo.panel, return_config=True)
    wb = Workbench(frame, cfg, out_dir=tmp_path, loop=loop)
    assert wb.panel is not None
    wb.config_widget.fields["draws"].value = wb.config_widget.fields["tune"].value = 100
    wb.config_widget.fields["chains"].value = 2
    wb.config_widget.rows["Search"]["saturation"].value = "hill"
    async def until_fitted():
        while wb.dashboard is None and (wb.job is None or wb.job.status != "failed"): await asyncio.sleep(0.05)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        wb.start_fit(random_seed=3)
        assert wb.fit_button.disabled  # no second fit while one runs
        loop.run_until_complete(asyncio.wait_for(until_fitted(), 600))
    assert wb.job.status == "done" and not wb.fit_button.disabled
    assert wb.mmm.channel_transforms()["Search"][1].type.value == "hill"  # the Configure tab's choice was fitted
    wb.optimize()
    assert wb.plan is not None and "Budget plan" in wb.plan_out.value
    assert wb.write_report().exists()
    loop.close()


def test_prior_panel_is_exact_for_a_multiplicative_model():
    "Log-link models too: the NumPy media terms equal PyMC's prior draws, and the response curve is labelled as a log-KPI effect."
    from mmm_framework.builders import ModelConfigBuilder
    from mmm_framework.data_loader import load_mff
    from mmm_framework.datasets import simulate_mmm
    from mmm_framework.model import BayesianMMM
    from mmm_framework.ui.prior_panel import PriorPredictive, panel_figures
    df, truth = simulate_mmm(n_periods=52, channels=("TV", "Search"), seed=3)
    m = BayesianMMM(load_mff(df, truth.config), ModelConfigBuilder().with_kpi("Sales").multiplicative().build())
    ctl = PriorPredictive(m, samples=100, seed=1)
    st = PriorPanelState.from_model(m)
    mine = np.stack([ctl._channel(st, ch)[0] for ch in m.data.channels], -1)
    np.testing.assert_allclose(mine, ctl.contrib0, atol=1e-9)
    v = ctl.compute(st)
    assert panel_figures(v, "TV")["saturation"].layout.yaxis.title.text == "effect on log KPI"
    assert (v.kpi_band[0] > 0).all()  # exp(log-scale draws): a positive KPI band
