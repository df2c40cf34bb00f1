"""Model health: CRPS against its closed form, panel slicing, and a review that notices what is wrong (a missing
seasonal component leaves autocorrelated residuals; a too-short run fails convergence) and reports a check that
could not run instead of hiding it."""
import warnings

import numpy as np
import pytest
from scipy import stats

from mmm_framework import config as C
from mmm_framework.data_loader import load_mff
from mmm_framework.datasets import simulate_mmm
from mmm_framework.diagnostics import ModelReview, crps, panel_slice
from mmm_framework.model import BayesianMMM, ConvergenceWarning


@pytest.mark.parametrize("y,sigma", [(0.0, 1.0), (1.5, 2.0), (-3.0, 0.5)])
def test_crps_matches_the_normal_closed_form(y, sigma):
    z = y / sigma
    exact = sigma * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / np.sqrt(np.pi))
    draws = np.random.default_rng(1).normal(0, sigma, size=(60000, 1))
    assert crps(draws, np.array([y]))[0] == pytest.approx(exact, rel=0.02)


@pytest.fixture(scope="module")
def seasonal():
    df, truth = simulate_mmm(n_periods=104, channels=("TV", "Search"), seasonality=0.3, noise=0.02, seed=12)
    return load_mff(df, truth.config)


def _fit(panel, cfg, **kw):
    m = BayesianMMM(panel, cfg)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        m.fit(random_seed=4, **kw)
    return m


def test_panel_slice_keeps_everything_but_the_dates(seasonal):
    s = panel_slice(seasonal, 10, 30)
    assert s.n_periods == 20 and s.config == seasonal.config and s.channel_names == seasonal.channel_names
    assert s.log[:-1] == seasonal.log and "sliced to periods 10..29" in s.log[-1]
    np.testing.assert_array_equal(s.y.values, seasonal.y.values[10:30])


def test_review_sees_missing_seasonality_and_short_runs(seasonal):
    blind = C.ModelConfig(kpi="Sales", seasonality={"yearly": 0}, trend={"type": "none"})
    m = _fit(seasonal, blind, draws=300, tune=300, chains=2)
    rv = ModelReview(m).run()
    assert rv.to_frame().loc["residual autocorrelation", "status"] in ("warn", "fail")
    good = _fit(seasonal, C.ModelConfig(kpi="Sales"), draws=300, tune=300, chains=2)
    assert abs(float(good.review().to_frame().loc["residual autocorrelation", "value"].split("up to ")[1].split(" ")[0])) < \
        abs(float(rv.to_frame().loc["residual autocorrelation", "value"].split("up to ")[1].split(" ")[0]))
    short = _fit(seasonal, C.ModelConfig(kpi="Sales"), draws=15, tune=5, chains=2)
    assert ModelReview(short).run().to_frame().loc["convergence", "status"] in ("warn", "fail")


def test_a_check_that_breaks_is_reported_not_hidden(seasonal, monkeypatch):
    m = _fit(seasonal, C.ModelConfig(kpi="Sales"), draws=50, tune=50, chains=1)
    def boom(self): raise RuntimeError("no ROI today")
    monkeypatch.setattr(ModelReview, "_roi", boom)
    rv = ModelReview(m).run()
    row = rv.to_frame().loc["plausible ROI"]
    assert row["status"] == "fail" and "no ROI today" in row["reason"] and rv.status == "fail"
    assert "fail" in rv._repr_html_()


def test_out_of_sample_helpers_check_their_arguments(seasonal):
    m = _fit(seasonal, C.ModelConfig(kpi="Sales"), draws=50, tune=50, chains=1)
    with pytest.raises(ValueError, match="training periods"):
        m.time_slice_cv(n_folds=7, horizon=13)
    with pytest.raises(ValueError, match="at least 10 training periods"):
        m.holdout_score(n_holdout=100)
