"""HTML report (issue 6): national, geo and no-spend/no-control fits; the page's numbers against the analysis frames;
the saved file opened offline in headless Chromium (no console errors, every plot drawn, screenshot kept)."""
import re
import warnings
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from browser import PLOTS_JS, check_plots
from conftest import require_chromium
from mmm_framework.builders import ModelConfigBuilder
from mmm_framework.data_loader import load_mff
from mmm_framework.datasets import simulate_mmm
from mmm_framework.model import BayesianMMM, ConvergenceWarning, panel_from_arrays
from mmm_framework.reporting import MMMReportGenerator, ReportConfig

pytestmark = pytest.mark.slow
ARTIFACTS = Path(__file__).parent / "artifacts"


def _fit(panel, draws=150):
    mmm = BayesianMMM(panel, ModelConfigBuilder().with_kpi(panel.config.kpi.name).build())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mmm.fit(draws=draws, tune=150, chains=2, random_seed=1, nuts_sampler="nutpie")
    return mmm


@pytest.fixture(scope="module")
def national():
    df, truth = simulate_mmm(n_periods=78, channels=("TV", "Search", "Social"), seed=3)
    return _fit(load_mff(df, truth.config))


@pytest.fixture(scope="module")
def geo():
    df, truth = simulate_mmm(n_periods=52, n_geos=3, channels=("TV", "Search"), seed=5)
    return _fit(load_mff(df, truth.config))


@pytest.fixture(scope="module")
def bare():
    "The seed's array form, no controls and no spend variable: ROI and budget do not apply."
    rng = np.random.default_rng(0)
    X = rng.gamma(2.0, 50.0, size=(60, 2))
    y = 1000 + 2.0 * X[:, 0] + 1.0 * X[:, 1] + rng.normal(0, 20, 60)
    return _fit(panel_from_arrays(X, y, ["TV", "Radio"], kpi_name="sales", spend=np.full_like(X, np.nan)))


class Tables(HTMLParser):
    "data-table name -> list of rows, each {data-col: float value} for numeric cells; and every data-chart name."
    def __init__(self, text):
        super().__init__(); self.tables, self.charts, self._t = {}, [], None
        self.feed(text)
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and "data-table" in a: self._t = a["data-table"]; self.tables.setdefault(self._t, [])
        elif tag == "tr" and self._t: self.tables[self._t].append({})
        elif tag == "td" and self._t and "data-value" in a: self.tables[self._t][-1][a["data-col"]] = float(a["data-value"])
        if tag == "div" and "data-chart" in a: self.charts.append(a["data-chart"])
    def handle_endtag(self, tag):
        if tag == "table": self._t = None


def _col(tables, name, col):
    return np.array([r[col] for r in tables.tables[name] if col in r])


def test_national_report_sections_numbers_and_size(national, tmp_path):
    gen = MMMReportGenerator(ReportConfig(currency="USD", max_draws=100))
    text = gen.generate_report(national.results, national.model_config)  # the seed's call, as written
    ids = re.findall(r'<section id="([a-z_]+)">', text)
    assert ids == ["executive_summary", "data_summary", "model_specification", "diagnostics", "decomposition", "roi",
                   "response_curves", "budget", "methodology", "appendix", "omitted"]
    assert set(gen.notes) == {"geo_breakdown", "extensions"} and "national" in gen.notes["geo_breakdown"]
    t = Tables(text)
    assert t.charts == ["fit", "decomposition", "waterfall", "shares", "roi", "prior_posterior", "marginal_roi",
                        "response_curves", "adstock", "allocation", "allocation_change", "diagnostics"]
    # internal parameter names (saturation_beta[TV], ...) only in the appendix, not in the sections a reader acts on
    body, appendix = text.split('<section id="appendix">')[0], text.split('<section id="appendix">')[1]
    components = set(national.compute_component_decomposition().index)  # 'intercept' is also a component's plain name
    internal = [str(n) for n in national.results.summary().index if n not in components]
    assert not [n for n in internal if f">{n}<" in body] and all(f">{n}<" in appendix for n in internal)
    roi = national.compute_roi()
    for col, frame_col in [("roi_mean", "mean"), ("roi_hdi_low", "hdi_low"), ("roi_hdi_high", "hdi_high")]:
        np.testing.assert_allclose(_col(t, "roi", col), roi[frame_col].values, rtol=1e-12)
    shares = re.search(r'data-table="shares">(.*?)</table>', text, re.S).group(1)  # spend share beside contribution share, as %
    sh = national.compute_shares()
    assert re.findall(r'<td data-col="share of spend">([0-9.]+%)</td>', shares) == [f"{100 * v:.1f}%" for v in sh.spend_share]
    dec = national.compute_component_decomposition()
    np.testing.assert_allclose(_col(t, "decomposition", "mean"), dec["mean"].values, rtol=1e-12)
    np.testing.assert_allclose(_col(t, "decomposition", "hdi_low"), dec["hdi_low"].values, rtol=1e-12)
    # the executive summary's media total is the posterior mean of all channel contributions, with its unit
    total = float(national.contribution_samples().sum(("date", "series", "channel")).mean())
    assert f"{total:,.0f} {national.panel.config.kpi.unit} (90% HDI" in text
    # the budget lift shown is the optimiser's (same draws, same bounds)
    plan = national.optimize_budget(n_periods=13, bounds=(0.5, 1.5), max_draws=100)
    np.testing.assert_allclose(_col(t, "budget_allocation", "optimal_spend"), plan.allocation.optimal_spend.values, rtol=1e-6)
    p = gen.save(tmp_path / "national.html")
    assert p.stat().st_size < 10e6, f"{p.stat().st_size / 1e6:.1f} MB"
    assert text.count("<script type=\"text/javascript\">/**") == 1  # plotly.js embedded once
    assert "<script src" not in text and "<link" not in text
    heads = re.findall(r"<th>([^<]*)</th>", text)  # every table headed in people's words, no internal column names
    assert {"ROI mean", "ROI HDI low", "Marginal ROI HDI high", "Current spend", "Change", "R-hat"} <= set(heads)
    assert not [h for h in heads if re.search(r"[a-z0-9]_[a-z0-9]", h)], heads
    changes = re.findall(r'<td class="num" data-col="change_pct" data-value="([^"]+)">([^<]+)</td>', text)
    assert changes and all(shown == (f"{float(v):+,.0f}%" if abs(float(v)) >= 10 else f"{float(v):+,.1f}%") for v, shown in changes)
    rhat = re.findall(r'data-col="r_hat" data-value="[^"]+">([^<]+)</td>', text)
    assert rhat and all(re.fullmatch(r"\d\.\d{3}", x) for x in rhat), rhat  # one format in the column
    labels = re.search(r'data-table="budget_lift">(.*?)</table>', text, re.S).group(1)
    assert re.findall(r'<td data-col="plan">([^<]+)</td>', labels) == ["Recent mix", "Planned mix", "Lift", "Lift (%)"]  # rows in words


def test_geo_report_has_geo_breakdown(geo):
    gen = MMMReportGenerator(ReportConfig(max_draws=80, theme="corporate"))
    text = gen.generate_report(geo.results)
    assert "geo_breakdown" not in gen.notes and '<section id="geo_breakdown">' in text
    t = Tables(text)
    assert "geo" in t.charts
    by = geo.compute_counterfactual_contributions(0.9, by=("series", "channel"))
    np.testing.assert_allclose(_col(t, "contributions_by_geo", "mean"), by["mean"].values, rtol=1e-12)
    assert len([r for r in t.tables["contributions_by_geo"] if r]) == 3 * 2  # (the header row has no values)
    assert "--accent:#1b365d" in text  # the corporate theme's colours


def test_report_without_spend_or_controls_leaves_sections_out_with_reasons(bare):
    gen = MMMReportGenerator(ReportConfig(max_draws=60))
    text = gen.generate_report(bare)  # a fitted model is accepted as well as its results
    assert {"roi", "budget", "geo_breakdown", "extensions"} <= set(gen.notes)
    assert "spend variable" in gen.notes["roi"] and "spend variable" in gen.notes["budget"]
    assert "No channel has a spend variable" in text and "No budget recommendation" in text
    assert {"decomposition", "response_curves"} <= set(re.findall(r'<section id="([a-z_]+)">', text))
    curves = Tables(text)
    assert "response_curves" in curves.charts and "media over the window" in text  # media units when there is no spend


def test_sections_switch_off_and_config_is_checked(national):
    cfg = ReportConfig(sections={"budget": False, "response_curves": False, "diagnostics": False}, theme="dark", max_draws=60)
    gen = MMMReportGenerator(cfg)
    text = gen.generate_report(national.results)
    ids = set(re.findall(r'<section id="([a-z_]+)">', text))
    assert not ids & {"budget", "response_curves", "diagnostics"} and "budget" not in gen.notes  # off is not "not applicable"
    assert "--bg:#111418" in text and '"template":{"data"' in text.replace(" ", "")[:10**9]
    with pytest.raises(ValueError, match="differs from the one"):
        gen.generate_report(national.results, national.model_config.replace(likelihood="student_t"))
    with pytest.raises(TypeError, match="ReportConfig"):
        gen.generate_report(national.results, {"theme": "dark"})
    with pytest.raises(RuntimeError, match="generate a report first"):
        MMMReportGenerator().save("x.html")


def test_tables_export_csv_and_excel(national, tmp_path):
    gen = MMMReportGenerator(ReportConfig(max_draws=60, sections={"response_curves": False}))
    gen.generate_report(national.results)
    files = gen.export_tables(tmp_path / "csv")
    names = {f.stem for f in files}
    assert {"roi", "shares", "decomposition", "budget_allocation", "budget_lift", "review", "fit", "marginal_roi", "channels"} <= names
    roi = pd.read_csv(tmp_path / "csv" / "roi.csv", index_col=0)
    np.testing.assert_allclose(roi["roi_mean"].values, national.compute_roi()["mean"].values, rtol=1e-12)
    xl = gen.export_tables(tmp_path / "tables.xlsx", format="xlsx")[0]
    assert set(pd.ExcelFile(xl).sheet_names) == names


@pytest.mark.parametrize("case", ["national", "geo"])
def test_saved_report_renders_offline_in_chromium(case, request, tmp_path):
    chromium = require_chromium()
    from playwright.sync_api import sync_playwright
    mmm = request.getfixturevalue(case)
    gen = MMMReportGenerator(ReportConfig(max_draws=60))
    gen.generate_report(mmm.results)
    path = gen.save(tmp_path / f"report_{case}.html")
    n_fig = len(Tables(gen.html).charts)
    errors, requests = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                                                    "--disable-component-update", "--disable-sync", "--no-first-run"])
        ctx = browser.new_context(offline=True, viewport={"width": 1280, "height": 900})
        page = ctx.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file://", "data:", "blob:")) else None)
        page.goto(path.as_uri())
        page.wait_for_function(f"document.querySelectorAll('.plotly-graph-div .main-svg').length >= {n_fig}", timeout=60_000)
        plots = page.evaluate(PLOTS_JS)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"report_{case}.png"), full_page=False)
        for sec in page.locator("section[id]").all():  # one screenshot per section
            sid = sec.get_attribute("id")
            sec.screenshot(path=str(ARTIFACTS / f"report_{case}_{sid}.png"))
        browser.close()
    assert errors == [], errors
    assert requests == [], requests  # nothing asked of the network
    assert len(plots) == n_fig, [p["title"] for p in plots]
    n_comp = mmm.decomposition_frame().component.nunique()
    check_plots(plots, {"Model fit": (4, True), "Decomposition": (n_comp, True), "ROI by channel": (1, False),
                        "Spend share vs contribution share": (2, False),
                        "Convergence diagnostics": (2, False)})


def test_every_report_config_field_is_honoured(national):
    "Each ReportConfig field set away from its default shows on the page (or in what the analysis was asked for)."
    cfg = ReportConfig(title="Q3 <review>", author="Ana Ruiz", date="2026-09-30", theme="dark", currency="EUR", kpi_unit="k units",
                       hdi_prob=0.8, sections={"data_summary": False}, budget_periods=8, budget=4000.0, budget_bounds=(0.8, 1.2),
                       max_draws=70)
    checked = {"title": "<h1>Q3 &lt;review&gt;</h1>", "author": "Ana Ruiz", "date": "2026-09-30", "theme": "--bg:#111418",
               "currency": "k units per EUR", "kpi_unit": "k units (80% HDI", "hdi_prob": "80% HDI", "budget_periods": "next 8 periods",
               "budget": "Budget 4,000 EUR", "budget_bounds": "between 0.8x and 1.2x"}
    text = MMMReportGenerator(cfg).generate_report(national.results)
    for field, snippet in checked.items(): assert snippet in text, (field, snippet)
    assert '<section id="data_summary">' not in text  # sections
    assert national._response[0][1] == 70 and national._response[1].n_draws == 70  # max_draws reached the analysis
    assert set(checked) | {"sections", "max_draws"} == set(ReportConfig.model_fields)
    gen = MMMReportGenerator(cfg.replace(budget=1e9))  # a budget the bounds cannot reach: the reason is shown, nothing crashes
    text = gen.generate_report(national.results)
    assert "cannot be planned" in gen.notes["budget"] and "outside what the bounds allow" in text


@pytest.fixture(scope="module")
def flat():
    "Radio's spend is the same every week (the KPI was simulated with varying Radio): fitted only because the finding is accepted."
    df, truth = simulate_mmm(n_periods=78, channels=("TV", "Search", "Radio"), seed=3)
    df.loc[df.VariableName == "Radio", "VariableValue"] = float(df.loc[df.VariableName == "Radio", "VariableValue"].mean())
    mmm = BayesianMMM(load_mff(df, truth.config), ModelConfigBuilder().with_kpi("Sales").build())
    with pytest.raises(Exception, match="constant_media:Radio"):
        mmm.fit(draws=10, tune=10, chains=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mmm.fit(draws=200, tune=200, chains=2, random_seed=1, nuts_sampler="nutpie", accept_findings=["constant_media:Radio"])
    return mmm


def test_a_channel_the_data_cannot_identify_is_never_the_finding(flat):
    "Constant Radio: labelled not identified in compute_roi and the review; the report's summary never calls it the best channel."
    roi = flat.compute_roi()
    assert roi.loc["Radio", "identification"] in ("weak", "prior-driven"), roi
    assert roi.loc["TV", "identification"] == "identified", roi
    rv = flat.review().to_frame().loc["plausible ROI"]
    assert rv.status == "warn" and "Radio" in rv.reason and "not identified" in rv.reason
    text = MMMReportGenerator(ReportConfig(max_draws=60, currency="USD")).generate_report(flat.results)
    summary = re.search(r'<section id="executive_summary">(.*?)</section>', text, re.S).group(1)
    assert "Highest ROI: <b>Radio</b>" not in summary and "lowest: <b>Radio</b>" not in summary
    assert re.search(r"Not established by the data: <b>Radio</b>", summary), summary[:3000]
    rec = re.search(r"<b>Recommendation</b>: (.*?)</li>", summary, re.S).group(1)
    assert "<b>Radio</b>" not in rec or "<b>Radio</b> (" in rec and "not established by the data" in rec.split("<b>Radio</b>")[1].split(")")[0], rec


def test_plot_accessor_figures_draw_in_chromium(national, tmp_path):
    "`mmm.plot.*`: every figure holds data (dates on time axes) and, in a browser, draws every trace with its points."
    chromium = require_chromium()
    import plotly.io as pio
    from playwright.sync_api import sync_playwright
    pl = national.plot
    ch = list(national.data.channels)
    figs = {"fit": pl.fit(), "components": pl.components(), "channel_contributions": pl.channel_contributions(),
            "response_curves": pl.response_curves(), "adstock": pl.adstock(), "roi": pl.roi(), "prior_posterior": pl.prior_posterior(),
            "shares": pl.shares(), "allocation": pl.allocation(n_periods=8, max_draws=60), "diagnostics": pl.diagnostics()}
    for name, f in figs.items():
        assert f.data and all(t.x is not None and len(t.x) for t in f.data), name
    for name in ("fit", "components", "channel_contributions"):
        assert all(np.issubdtype(np.asarray(t.x).dtype, np.datetime64) or isinstance(t.x[0], pd.Timestamp) for t in figs[name].data), name
    assert len(figs["channel_contributions"].data) == 2 * len(ch)  # a band and a line per channel
    from mmm_framework.config import spend_unit
    kpi = national.panel.config.kpi.unit
    assert figs["roi"].layout.xaxis.title.text == f"{kpi} per {spend_unit(kpi)}"  # the report's units, one rule
    page_html = "".join(pio.to_html(f, include_plotlyjs=(i == 0), full_html=False) for i, f in enumerate(figs.values()))
    path = tmp_path / "plots.html"
    path.write_text(f"<html><body>{page_html}</body></html>")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_context(offline=True, viewport={"width": 1280, "height": 900}).new_page()
        page.goto(path.as_uri())
        page.wait_for_function(f"document.querySelectorAll('.plotly-graph-div .main-svg').length >= {len(figs)}", timeout=60_000)
        plots = page.evaluate(PLOTS_JS)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "plot_accessor.png"), full_page=True)
        browser.close()
    assert len(plots) == len(figs)
    check_plots(plots, {"Model fit": (4, True), "Decomposition": (len(figs["components"].data), True),
                        "Channel contributions over time": (2 * len(ch), True), "Response curves": (3 * len(ch), False),
                        "Carry-over": (2 * len(ch), False), "ROI by channel": (1, False), "ROI: prior vs posterior": (2, False),
                        "Budget plan": (4, False)})


def test_reprs_format_numbers_for_people(national):
    "The fit's and the plan's notebook reprs: money whole with separators, no scientific notation, changes as signed %, units named."
    plan = national.optimize_budget(n_periods=8, max_draws=60)
    kpi = national.panel.config.kpi.unit
    from mmm_framework.config import spend_unit
    for h in (national.results._repr_html_(), plan._repr_html_()):
        cells = re.findall(r"<td>([^<]*)</td>", h)
        assert cells and not [c for c in cells if re.search(r"\d[eE][+-]?\d", c)], cells  # no 1.2e+05
        assert f"{kpi} per {spend_unit(kpi)}" in h or f"({spend_unit(kpi)})" in h
    ph = plan._repr_html_()
    changes = re.findall(r"<td>([+-]\d+\.\d%)</td>", ph)
    assert len(changes) == len(plan.allocation)  # one signed % per channel, never a bare 1e-12
    spend = [c for c in re.findall(r"<td>([^<]*)</td>", ph) if re.fullmatch(r"[\d,]+", c)]
    assert f"{plan.allocation.optimal_spend.iloc[0]:,.0f}" in spend  # whole amounts with separators
