"""Calibration: lift tests as observations of a channel's implied incremental KPI, and priors on ROI instead of on
coefficients (Meridian's idea). The lift test must move the posterior toward the measurement by about what a
Gaussian update predicts; an ROI prior must come back out of the prior predictive unchanged."""
import warnings

import numpy as np
import pandas as pd
import pytest

from mmm_framework import config as C
from mmm_framework.builders import ModelConfigBuilder
from mmm_framework.data_loader import load_mff
from mmm_framework.datasets import simulate_mmm
from mmm_framework.model import BayesianMMM, ConvergenceWarning, ModelBuildError, analysis_compile_kwargs

WINDOW = ("2023-04-03", "2023-06-26")  # 13 weeks inside the 104-week sample


@pytest.fixture(scope="module")
def data():
    df, truth = simulate_mmm(n_periods=104, channels=("TV", "Search"), seed=8)
    return df, truth


def _fit(panel, cfg):
    m = BayesianMMM(panel, cfg)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        m.fit(draws=500, tune=500, chains=2, random_seed=3)
    return m


def _window_lift(m):
    c = m.contribution_samples().sel(channel="Search")
    c = c.sel(date=slice(*WINDOW)).sum(("date", "series")).stack(s=("chain", "draw")).values
    return c.mean(), c.std()


def _with_roi_prior(truth, channel, prior, kind="roi"):
    mff = truth.config
    chans = [ch.replace(**{f"{kind}_prior": prior}) if ch.name == channel else ch for ch in mff.media_channels]
    return mff.replace(media_channels=chans)


@pytest.mark.slow
def test_lift_test_moves_the_posterior_by_the_gaussian_update(data):
    df, truth = data
    panel = load_mff(df, truth.config)
    base = ModelConfigBuilder().with_kpi("Sales").build()
    m0, s0 = _window_lift(_fit(panel, base))
    measured, se = m0 + 3 * s0, s0 / 2  # a test that says: 3 posterior SDs more than the model thinks, measured twice as precisely
    cal = _fit(panel, ModelConfigBuilder().with_kpi("Sales").with_lift_test("Search", *WINDOW, lift=measured, se=se).build())
    m1, s1 = _window_lift(cal)
    expected = m0 + (measured - m0) * (1 / se ** 2) / (1 / s0 ** 2 + 1 / se ** 2)  # precision-weighted: 80% of the way
    move = (m1 - m0) / (expected - m0)
    print(f"\nlift test: prior fit {m0:,.0f} +/- {s0:,.0f}; measured {measured:,.0f} +/- {se:,.0f}; calibrated {m1:,.0f} +/- {s1:,.0f}; "
          f"Gaussian update predicts {expected:,.0f}; realised/predicted move {move:.2f}")
    assert 0.6 <= move <= 1.4, (m0, s0, m1, expected)
    assert s1 < s0  # and the model is surer
    summ = cal.lift_test_summary()
    assert summ["measured"].iloc[0] == pytest.approx(measured) and summ["kind"].iloc[0] == "lift"
    assert summ["hdi_low"].iloc[0] <= m1 <= summ["hdi_high"].iloc[0]


def test_roi_prior_comes_back_from_the_prior_predictive(data):
    df, truth = data
    prior = C.PriorConfig(distribution="log_normal", params={"mu": float(np.log(2.0)), "sigma": 0.3})
    panel = load_mff(df, _with_roi_prior(truth, "TV", prior))
    m = BayesianMMM(panel, ModelConfigBuilder().with_kpi("Sales").build().replace(relative_roi_prior=None))  # Search on its coefficient
    assert "saturation_roi" in m.model.named_vars and m.channel_effect_priors() == {"TV": ("roi", prior)}
    pr = m.prior_roi(samples=2000, random_seed=1)
    expected = np.exp(np.log(2.0) + 0.3 ** 2 / 2)  # LogNormal mean
    assert pr.loc["TV", "mean"] == pytest.approx(expected, rel=0.03)  # MC error of 2000 draws: ~0.7%
    assert pr.loc["TV", "prior_on"] == "roi" and pr.loc["Search", "prior_on"] == "coefficient"


def test_share_prior_comes_back_from_the_prior_predictive(data):
    df, truth = data
    prior = C.PriorConfig(distribution="beta", params={"alpha": 4.0, "beta": 36.0})  # mean share 0.10
    both = _with_roi_prior(truth, "Search", prior, kind="share")
    both = both.replace(media_channels=[c.replace(roi_prior=C.PriorConfig(distribution="log_normal", params={"mu": 0.0, "sigma": 0.3}))
                                        if c.name == "TV" else c for c in both.media_channels])  # ROI and share priors in one family
    m = BayesianMMM(load_mff(df, both), ModelConfigBuilder().with_kpi("Sales").build())
    pp = m.prior_roi(samples=2000, random_seed=2)
    assert pp.prior_on.to_dict() == {"TV": "roi", "Search": "share"}
    import pymc as pm
    draws = pm.sample_prior_predictive(draws=2000, model=m.model, var_names=["channel_contribution", "mu"], random_seed=2,
                                    compile_kwargs=analysis_compile_kwargs())["prior"].to_dataset()
    c = m._contribution_kpi(draws["channel_contribution"].transpose("chain", "draw", "date", "series", "channel"), draws["mu"])
    share = (c.sel(channel="Search").sum(("date", "series")) / np.nansum(m.data.y)).values.ravel()
    assert share.mean() == pytest.approx(0.10, rel=0.03)  # Beta(4, 36) mean; MC error ~1.5%
    assert pp.loc["TV", "median"] == pytest.approx(1.0, rel=0.04)  # LogNormal(0, 0.3) median


def test_default_roi_prior_applies_where_it_can(data):
    "The default: every spend channel's ROI prior is LogNormal(-1.2, 1) x the panel's KPI per unit of spend, where it can hold."
    df, truth = data
    panel = load_mff(df, truth.config)
    m = BayesianMMM(panel, ModelConfigBuilder().with_kpi("Sales").build())
    assert {k: kind for k, (kind, _) in m.channel_effect_priors().items()} == {"TV": "roi", "Search": "roi"}
    ratio = np.nansum(m.data.y) / np.nansum(m.data.spend)
    pr = m.prior_roi(samples=2000, random_seed=3)
    assert pr["median"].values == pytest.approx(np.exp(-1.2) * ratio, rel=0.08)  # LogNormal median; MC error of 2000 draws ~3%
    assert (pr.hdi_low >= 0).all() and (pr.hdi_high <= 2.0 * ratio).all()  # the stated bounds: no ROI beyond 2x KPI per spend
    mult = BayesianMMM(panel, ModelConfigBuilder().with_kpi("Sales").with_specification("multiplicative").build())
    assert mult.channel_effect_priors() == {}  # the default cannot hold under the log link: the coefficients' priors instead
    assert mult.model_config.intercept_prior.params == {"mu": 0, "sigma": 2}  # and the log scale's intercept default
    tanh = BayesianMMM(panel, ModelConfigBuilder().with_kpi("Sales").build().replace(saturation={"type": "tanh"}))
    assert tanh.channel_effect_priors() == {}
    chosen = C.PriorConfig(distribution="log_normal", params={"mu": -1.0, "sigma": 0.5})
    with pytest.raises(ModelBuildError, match=r"relative_roi_prior=LogNormal\(mu=-1, sigma=0.5\) cannot be honoured with specification"):
        BayesianMMM(panel, ModelConfigBuilder().with_kpi("Sales").with_specification("multiplicative").build().replace(relative_roi_prior=chosen))


def test_roi_prior_channels_respond_to_new_media(data):
    "An ROI prior computes the coefficient from the training media; what-ifs must hold it, not re-solve it from the new media."
    df, truth = data
    panel = load_mff(df, truth.config)
    rel = C.PriorConfig(distribution="log_normal", params={"mu": -1.2, "sigma": 1.0})
    m = BayesianMMM(panel, ModelConfigBuilder().with_kpi("Sales").with_mcmc(draws=60, tune=60, chains=2).build().replace(relative_roi_prior=rel))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.fit(random_seed=1, nuts_sampler="nutpie")
    assert {kind for kind, _ in m.channel_effect_priors().values()} == {"roi"}  # every channel's effect is on the ROI scale
    rc = m.response_curves(multipliers=[0, 1, 2]).pivot(index="channel", columns="multiplier", values="mean")
    assert (rc[2.0] > 1.05 * rc[1.0]).all() and (rc[1.0] > 0).all(), rc  # twice the media adds more (it did not: the total was pinned)
    idx = m.posterior_response(500).idx
    full = m.contribution_samples().sum(("date", "series")).stack(sample=("chain", "draw")).transpose("channel", "sample").values[:, idx].mean(1)
    np.testing.assert_allclose(rc[1.0].reindex(m.data.channels).values, full, rtol=1e-6)  # at today's media: the fitted contribution
    assert len(m.adstock_curves())  # the decay curves read the free parameters only (not the held coefficients)
    plan = 1.5 * m.data.x[-8:]  # a forecast too: 8 future weeks at 1.5x the recent media
    dates, x, z, hist = m._prediction_window(plan)
    held = m.posterior_response(None).kpi(dates, x, z)[:, hist:].mean(0)[:, 0]  # the coefficients as fitted
    np.testing.assert_allclose(m.predict(plan)["mean"].values, held, rtol=1e-6)  # predict did re-solve them from the new window


def test_roi_prior_rejected_where_it_cannot_hold(data):
    df, truth = data
    prior = C.PriorConfig(distribution="log_normal", params={"mu": 0.0, "sigma": 0.5})
    panel = load_mff(df, _with_roi_prior(truth, "TV", prior))
    with pytest.raises(ModelBuildError, match="additive"):
        BayesianMMM(panel, ModelConfigBuilder().with_kpi("Sales").with_specification("multiplicative").build())
    with pytest.raises(ModelBuildError, match="tanh"):
        BayesianMMM(panel, ModelConfigBuilder().with_kpi("Sales").build().replace(saturation={"type": "tanh"}))


@pytest.mark.parametrize("test,match", [
    (dict(channel="Radio", start="2023-04-03", end="2023-05-01", lift=10.0, se=1.0), "not one of the model's channels"),
    (dict(channel="TV", start="2030-01-01", end="2030-02-01", lift=10.0, se=1.0), "holds none of the model's dates"),
    (dict(channel="TV", start="2023-04-03", end="2023-05-01", lift=10.0, se=1.0, geo="Mars"), "geo 'Mars'"),
])
def test_lift_tests_are_checked_at_build(data, test, match):
    df, truth = data
    cfg = C.ModelConfig(kpi="Sales", lift_tests=[C.LiftTestConfig(**test)])
    with pytest.raises(ModelBuildError, match=match):
        BayesianMMM(load_mff(df, truth.config), cfg)


def test_lift_test_config_needs_one_measure():
    with pytest.raises(ValueError, match="exactly one of lift"):
        C.LiftTestConfig(channel="TV", start="2023-01-02", end="2023-02-27", lift=1.0, roi=2.0, se=0.5)
    with pytest.raises(ValueError, match="before start"):
        C.LiftTestConfig(channel="TV", start="2023-03-02", end="2023-02-27", lift=1.0, se=0.5)


def test_roi_lift_test_enters_as_roi(data):
    df, truth = data
    cfg = ModelConfigBuilder().with_kpi("Sales").with_lift_test("TV", *WINDOW, roi=1.5, se=0.2).build()
    m = BayesianMMM(load_mff(df, truth.config), cfg)
    obs = m.model["lift_test_obs"]
    assert m.model.rvs_to_values[obs] is not None and float(m.model.rvs_to_values[obs].data[0]) == 1.5
    # the implied ROI is contribution / spend over the window: check it against the arrays at one prior draw
    import pymc as pm
    free = m.model.free_RVs
    ip = dict(zip([v.name for v in free], pm.draw(free, random_seed=0)))
    f = m.model.compile_fn(m.model["lift_test_implied"], inputs=free, on_unused_input="ignore")
    contrib = m.model.compile_fn(m.model["channel_contribution"], inputs=free, on_unused_input="ignore")
    rows = (m.data.dates >= pd.Timestamp(WINDOW[0])) & (m.data.dates <= pd.Timestamp(WINDOW[1]))
    j = m.data.channels.index("TV")
    want = (contrib(ip)[rows, :, j] * m.data.y_scale).sum() / np.nansum(m.data.spend[rows, :, j])
    assert f(ip)[0] == pytest.approx(want, rel=1e-9)
