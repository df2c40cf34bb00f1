"""Simulator ground truth: definitions hold, effects stay within their series, files ship intact."""
import numpy as np
import pytest

from mmm_framework.data_loader import load_mff
from mmm_framework.datasets import (DEMO_KW, SimulationTruth, adstock_weights, apply_adstock, demo_mff_config, demo_truth,
                                    load_demo_mff, saturate, simulate_mmm)


def test_roi_is_contribution_over_spend():
    _, t = simulate_mmm(n_periods=60, n_geos=3, seed=4)
    manual = t.contributions.sum(("date", "geo")) / t.spend.sum(("date", "geo"))
    np.testing.assert_allclose(t.roi.values, manual.values)
    assert (t.roi > 0).all()


def test_kpi_decomposes_into_baseline_media_and_noise():
    _, t = simulate_mmm(n_periods=80, n_geos=3, noise=0.0, seed=5)
    np.testing.assert_allclose(t.y.values, (t.baseline + t.contributions.sum("channel")).values, rtol=1e-12)
    _, noisy = simulate_mmm(n_periods=80, n_geos=3, noise=0.05, seed=5)
    resid = noisy.y - noisy.baseline - noisy.contributions.sum("channel")
    np.testing.assert_allclose(resid.std("date").values, noisy.noise_sd, rtol=0.3)  # 80 draws: SD within 30%


def test_adstock_never_leaks_between_geos():
    x = np.zeros((10, 3)); x[2, 1] = 5.0
    for kind, p in [("geometric", dict(alpha=0.7)), ("weibull_cdf", dict(lam=3.0, k=1.0)), ("delayed", dict(alpha=0.5, theta=2.0))]:
        out = apply_adstock(x, adstock_weights(kind, 6, **p))
        assert out[:, [0, 2]].sum() == 0 and out[:2, 1].sum() == 0 and out[:, 1].sum() == pytest.approx(5.0)


@pytest.mark.parametrize("kind", ["hill", "logistic", "michaelis_menten", "tanh"])
def test_saturation_is_increasing_and_concave_at_scale(kind):
    p = {"hill": dict(slope=1.0, kappa=1.0, beta=1.0), "logistic": dict(lam=1.0, beta=1.0),
         "michaelis_menten": dict(alpha=1.0, lam=1.0), "tanh": dict(b=1.0, c=1.0)}[kind]
    x = np.linspace(0.5, 10, 50)
    y = saturate(kind, x, **p)
    assert np.all(np.diff(y) > 0) and np.all(np.diff(y, 2) < 0)


def test_geo_heterogeneity_shows_in_per_capita_effects():
    _, t = simulate_mmm(n_periods=52, n_geos=8, channels=("A",), geo_heterogeneity=0.5, seed=9)
    mult = np.array(list(t.params["A"]["geo_multiplier"].values()))
    assert mult.std() > 0.2
    _, flat = simulate_mmm(n_periods=52, n_geos=8, channels=("A",), geo_heterogeneity=0.0, seed=9)
    np.testing.assert_allclose(list(flat.params["A"]["geo_multiplier"].values()), 1.0)


def test_national_channel_lands_by_population():
    df, t = simulate_mmm(n_periods=30, n_geos=4, channels=("TV", "Search"), national_channels=("TV",), seed=2)
    pop = df[df.VariableName == "Population"].groupby("Geography").VariableValue.first()
    tv = t.spend.sel(channel="TV").sum("date").to_series()
    np.testing.assert_allclose((tv / tv.sum()).values, (pop / pop.sum()).loc[tv.index].values, rtol=1e-6)
    assert df[df.VariableName == "TV"].Geography.isna().all()


def test_demo_files_are_consistent():
    mff, cfg, truth = load_demo_mff(), demo_mff_config(), demo_truth()
    panel = load_mff(mff, cfg)
    assert (panel.n_periods, panel.n_geos) == (DEMO_KW["n_periods"], DEMO_KW["n_geos"])
    np.testing.assert_allclose(panel.y.values[..., 0], truth.y.values, atol=1e-3)
    np.testing.assert_allclose(panel.spend.values[..., 0, :], truth.spend.values, rtol=1e-3, atol=1e-2)
    assert isinstance(truth, SimulationTruth) and set(truth.roi.index) == {"TV", "Search", "Social"}
