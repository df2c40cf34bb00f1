"""BayesianMMM behaviour: every config field changes the graph or is rejected, per-series adstock, the seed API,
samplers, predictions, save/load. Fits here are tiny (their numbers are not judged); recovery is in test_model_recovery."""
import warnings

import numpy as np
import pandas as pd
import pytest

from mmm_framework import config as C
from mmm_framework.builders import ModelConfigBuilder
from mmm_framework.data_loader import load_mff
from mmm_framework.datasets import simulate_mmm
from mmm_framework.model import BayesianMMM, ConvergenceWarning, ModelBuildError


@pytest.fixture(scope="module")
def national():
    df, truth = simulate_mmm(n_periods=60, channels=("TV", "Search"), seed=1)
    return load_mff(df, truth.config), truth


@pytest.fixture(scope="module")
def regional():
    df, truth = simulate_mmm(n_periods=40, n_geos=3, channels=("TV", "Search"), national_channels=("TV",), seed=2)
    return load_mff(df, truth.config), truth


def build(panel, **changes):
    return BayesianMMM(panel, C.ModelConfig(kpi="Sales").replace(**changes) if changes else C.ModelConfig(kpi="Sales"))


def rvs(m): return sorted(v.name for v in m.model.free_RVs)
def logp(m):
    "Model log-density at a fixed point of the unconstrained space (not the prior-dependent initial point)."
    pt_ = {k: np.full_like(v, 0.3) for k, v in m.model.initial_point().items()}
    return float(m.model.compile_logp(mode="FAST_COMPILE")(pt_))  # one evaluation: compile fast
def at_prior_draw(m, var, seed=0):
    "Evaluate `var` at one prior draw of the free parameters (same seed -> same draw for configs with the same parameters)."
    import pymc as pm
    free = m.model.free_RVs
    vals = pm.draw(free, random_seed=seed)
    f = m.model.compile_fn(m.model[var], inputs=free, on_unused_input="ignore", mode="FAST_COMPILE")  # one evaluation: compile fast
    return f(dict(zip([v.name for v in free], vals)))
def contrib(m): return at_prior_draw(m, "channel_contribution")


# ------------------------------------------------------------- each field is read (the graph changes) or rejected

P = lambda dist, **kw: {"distribution": dist, "params": kw}


@pytest.mark.parametrize("field,value,check", [
    ("adstock", {"type": "weibull_cdf"}, "rvs"), ("adstock", {"type": "geometric", "l_max": 3}, "contrib"),
    ("adstock", {"type": "geometric", "normalize": False}, "contrib"),
    ("adstock", {"type": "geometric", "priors": {"alpha": P("beta", alpha=5, beta=1)}}, "logp"),
    ("saturation", {"type": "logistic"}, "rvs"), ("saturation", {"type": "hill", "priors": {"kappa": P("gamma", alpha=1, beta=1)}}, "logp"),
    ("trend", {"type": "none"}, "rvs"), ("trend", {"type": "piecewise"}, "rvs"), ("trend", {"type": "spline"}, "rvs"),
    ("trend", {"type": "gaussian_process"}, "rvs"), ("trend", {"type": "linear", "growth_prior": P("normal", mu=1, sigma=0.1)}, "logp"),
    ("seasonality", {"yearly": 4}, "logp"), ("seasonality", {"yearly": 2, "prior": P("normal", mu=0, sigma=0.05)}, "logp"),
    ("intercept_prior", P("normal", mu=3, sigma=0.1), "logp"), ("noise_prior", P("half_normal", sigma=0.01), "logp"),
    ("likelihood", "student_t", "rvs"), ("control_selection", {"method": "horseshoe", "expected_nonzero": 1}, "rvs"),
    ("control_selection", {"method": "lasso"}, "rvs"), ("control_selection", {"method": "spike_and_slab"}, "rvs"), ("specification", "multiplicative", "logp"),
    ("lift_tests", [{"channel": "TV", "start": "2023-03-06", "end": "2023-04-03", "lift": 100.0, "se": 10.0}], "logp"),
    ("relative_roi_prior", None, "rvs"), ("relative_roi_prior", P("log_normal", mu=-1.0, sigma=0.5), "logp"),
])
def test_model_fields_change_the_graph(national, field, value, check):
    panel, _ = national
    base, changed = build(panel), build(panel, **{field: value})
    f = {"rvs": rvs, "logp": logp, "contrib": contrib}[check]
    a, b = f(base), f(changed)
    assert (a != b) if check != "contrib" else not np.allclose(a, b), f"{field}={value} changed nothing"


@pytest.mark.parametrize("field,value,what", [
    ("n_changepoints", 7, "changepoint"), ("changepoint_range", 0.5, "changepoint"), ("n_knots", 9, "spline"),
    ("spline_degree", 2, "spline"), ("gp_n_basis", 12, "gp_basis"),
])
def test_trend_shape_fields(national, field, value, what):
    panel, _ = national
    kind = {"changepoint": "piecewise", "spline": "spline", "gp_basis": "gaussian_process"}[what]
    a = build(panel, trend={"type": kind}).model.coords[what]
    b = build(panel, trend={"type": kind, field: value}).model.coords[what]
    assert tuple(a) != tuple(b)


@pytest.mark.parametrize("field,value", [("changepoint_prior_scale", 0.5), ("spline_prior_scale", 2.0), ("gp_c", 3.0),
                                         ("gp_lengthscale_prior", P("gamma", mu=1.0, sigma=0.2)), ("gp_amplitude_prior", P("half_normal", sigma=3))])
def test_trend_prior_fields(national, field, value):
    panel, _ = national
    kind = {"changepoint_prior_scale": "piecewise", "spline_prior_scale": "spline"}.get(field, "gaussian_process")
    a, b = build(panel, trend={"type": kind}), build(panel, trend={"type": kind, field: value})
    if field == "gp_c":  # the boundary changes the basis, not the prior
        assert not np.allclose(at_prior_draw(a, "trend_component"), at_prior_draw(b, "trend_component"))
    else: assert logp(a) != logp(b)


def test_hierarchy_fields(regional):
    panel, _ = regional
    base = rvs(build(panel))
    assert "saturation_beta_offset" in base and "intercept_offset" in base
    assert "saturation_beta_dev" in rvs(build(panel, hierarchical={"non_centered": False}))
    assert "saturation_beta_free" in rvs(build(panel, hierarchical={"media_pooling": "none"}))
    complete = set(rvs(build(panel, hierarchical={"media_pooling": "complete"})))  # no per-geo coefficient variables: the ROI is sampled
    assert "saturation_roi" in complete and not any(n.startswith("saturation_beta") for n in complete)
    on_coef = set(rvs(build(panel, relative_roi_prior=None, hierarchical={"media_pooling": "complete"})))  # priors on the coefficients:
    assert "saturation_beta_at_mean" in on_coef and not any(n.startswith("saturation_beta_") for n in on_coef - {"saturation_beta_at_mean"})
    assert "intercept" in rvs(build(panel, hierarchical={"intercept_pooling": "none"}))
    assert "control_coef_offset" in rvs(build(panel, hierarchical={"control_pooling": "partial"}))
    assert logp(build(panel)) != logp(build(panel, hierarchical={"group_sigma_prior": P("half_normal", sigma=0.05)}))


def test_size_variable_scales_per_capita(regional):
    panel, _ = regional
    with pytest.raises(ModelBuildError, match="auxiliary_variables"):
        build(panel.__class__(**{**panel.__dict__, "auxiliary": None}), hierarchical={"size_variable": "Population"})
    a, b = build(panel), build(panel, hierarchical={"size_variable": "Population"})
    assert not np.allclose(a.data.x_scale, b.data.x_scale)
    pop = panel.auxiliary.sel(variable="Population").values[0, :, 0]
    np.testing.assert_allclose(b.data.y_scale / b.data.y_scale.sum(), pop / pop.sum(), rtol=1e-9)


def test_control_fields(national):
    panel, _ = national
    price = panel.config.controls[0].replace(prior=P("half_normal", sigma=0.01))
    cfg2 = panel.config.replace(controls=[price, panel.config.controls[1]])
    p2 = panel.__class__(**{**panel.__dict__, "config": cfg2})
    assert logp(build(panel)) != logp(build(p2))
    raw = panel.__class__(**{**panel.__dict__, "config": panel.config.replace(controls=[c.replace(standardize=False) for c in panel.config.controls])})
    assert not np.allclose(build(panel).data.z_sd, build(raw).data.z_sd)


@pytest.mark.parametrize("changes,msg", [
    (dict(control_selection={"method": "lasso", "exclude": ["Weather"]}), "not controls of the panel"),
    (dict(seasonality={"weekly": 2}), "needs daily data"),
    (dict(kpi="Revenue"), "panel's KPI is 'Sales'"),
    (dict(intercept_prior={"distribution": "normal", "params": {"sigma": 1}, "dims": ["geo"]}), "remove dims"),
])
def test_rejected_configs(national, changes, msg):
    panel, _ = national
    with pytest.raises(ModelBuildError, match=msg):
        BayesianMMM(panel, C.ModelConfig(kpi="Sales").replace(**changes))


def test_multiplicative_needs_positive_kpi():
    X = np.abs(np.random.default_rng(0).normal(size=(30, 2)))
    y = np.linspace(-1, 5, 30)
    with pytest.raises(ModelBuildError, match="<= 0"):
        BayesianMMM(X, y, ["a", "b"], C.ModelConfig(specification="multiplicative"))


# ------------------------------------------------------------- per-series adstock


def test_adstock_does_not_leak_across_geos(regional):
    panel, _ = regional
    m = build(panel)
    x = np.zeros_like(m.data.x); x[5, 0, :] = 1.0  # a pulse in the first geo only
    m.model["X_media"].set_value(x)
    out = contrib(m)
    assert np.abs(out[:, 1:, :]).max() == 0 and np.abs(out[:5, 0, :]).max() == 0 and out[5:, 0, :].max() > 0


# ------------------------------------------------------------- fitting, seed API, samplers


@pytest.fixture(scope="module")
def fitted(national):
    panel, _ = national
    m = BayesianMMM(panel, ModelConfigBuilder().with_kpi("Sales").with_mcmc(draws=100, tune=100, chains=2).with_seed(3).build())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        m.fit()
    m.compiled()  # the refit tests reuse its compiled sampler, which a fit loaded from the fit cache has not built
    return m


def test_fit_uses_config_defaults_and_reports_diagnostics(fitted):
    d = fitted.results.diagnostics
    assert (d["chains"], d["draws"], d["sampler"]) == (2, 100, "nutpie")
    assert {"divergences", "rhat_max", "ess_bulk_min", "ess_tail_min"} <= set(d)
    s = fitted.results.summary()
    assert "r_hat" in s.columns and any(i.startswith("adstock_alpha") for i in s.index)
    assert "ROI" in fitted.results._repr_html_()


@pytest.mark.slow  # slow: compiles the model for each of PyMC's samplers
def test_seed_api_and_samplers():
    X = np.abs(np.random.default_rng(0).normal(size=(40, 2))) * 10
    y = 100 + X @ np.array([1.0, 2.0]) + np.random.default_rng(1).normal(size=40)
    config = ModelConfigBuilder().with_kpi("sales").build()
    model = BayesianMMM(X, y, ["TV", "Search"], config)
    assert model.data.channels == ["TV", "Search"] and model.panel.config.kpi.name == "sales"
    with pytest.raises(ValueError, match="not supported"):
        model.fit(nuts_sampler="blackjax")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        res = model.fit(draws=30, tune=30, chains=2, nuts_sampler="pymc", random_seed=1)
        assert res.diagnostics["sampler"] == "pymc" and res.diagnostics["draws"] == 30
        res = model.fit(draws=30, tune=30, chains=2, nuts_sampler="numpyro", random_seed=1)  # the seed's example
        assert res.diagnostics["sampler"] == "numpyro" and res.diagnostics["chains"] == 2


def test_missing_backend_is_a_clear_error(monkeypatch):
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in ("numpyro", "nutpie") else real(name, *a))
    from mmm_framework.model import _check_sampler
    with pytest.raises(ImportError, match="needs numpyro and jax"):
        _check_sampler("numpyro")
    with pytest.raises(ImportError, match="needs nutpie"):
        _check_sampler("nutpie")


def test_poor_convergence_warns(national):
    panel, _ = national
    m = build(panel)
    with pytest.warns(ConvergenceWarning, match="Poor convergence"):
        m.fit(draws=20, tune=5, chains=2, random_seed=0)


def test_roi_and_contribution_tables(fitted):
    roi = fitted.compute_roi(hdi_prob=0.8)
    assert list(roi.index) == ["TV", "Search"] and {"mean", "median", "hdi_low", "hdi_high", "spend", "contribution"} <= set(roi.columns)
    r = fitted.roi_samples()
    assert r.dims == ("chain", "draw", "channel") and r.sizes["draw"] == 100
    c = fitted.compute_counterfactual_contributions()
    assert c.index.names == ["date", "series", "channel"] and len(c) == 60 * 2
    np.testing.assert_allclose(roi["contribution"].values, c.groupby("channel")["mean"].sum().loc[["TV", "Search"]].values, rtol=1e-9)


def test_decomposition_sums_to_expected_kpi(fitted):
    dec = fitted.decomposition_samples()
    mu = fitted._to_kpi(fitted.results.derived()["mu"]).transpose("chain", "draw", "date", "series")
    np.testing.assert_allclose(dec.sum("component").values, mu.values, rtol=1e-9)
    assert {"intercept", "geo_effect", "trend", "seasonality", "TV", "Search", "Price", "Holiday"} == set(dec.component.values)


def test_prior_predictive_is_on_the_kpi_scale(national):
    panel, _ = national
    pp = build(panel).sample_prior_predictive(samples=300, random_seed=0)
    y_mean = panel.y.values.mean()
    med = float(np.median(pp["mu"].mean(("date", "series"))))
    lo, hi = np.quantile(pp["mu"].mean(("date", "series")), [0.05, 0.95])
    assert 0.2 * y_mean < med < 5 * y_mean and lo < y_mean < hi


def test_predict_future_and_in_sample(fitted, national):
    panel, _ = national
    x = panel.X_media.values[:, 0, 0, :]
    ins = fitted.predict(x[-10:], X_controls=panel.X_controls.values[-10:, 0, 0, :], dates=panel.y.date.values[-10:])
    post = fitted._to_kpi(fitted.results.derived()["mu"]).mean(("chain", "draw")).values[-10:, 0]
    np.testing.assert_allclose(ins["mean"].values, post, rtol=1e-6)  # same data, same dates: same expected KPI
    fut = fitted.predict(np.zeros((6, 2)))
    assert fut.index.get_level_values("date").min() > panel.y.date.values[-1]
    assert ((fut.pred_hdi_high - fut.pred_hdi_low) >= (fut.mean_hdi_high - fut.mean_hdi_low)).all()
    more = fitted.predict(x[:6] * 3)
    assert (more["mean"].values > fut["mean"].values).all()  # more media, more KPI


def test_save_load_round_trip(fitted, tmp_path):
    fitted.save(tmp_path / "m")
    assert not list((tmp_path / "m").glob("*.pkl"))
    back = BayesianMMM.load(tmp_path / "m")
    assert back.model_config == fitted.model_config
    np.testing.assert_array_equal(back.results.posterior["adstock_alpha"].values, fitted.results.posterior["adstock_alpha"].values)
    pd.testing.assert_frame_equal(back.compute_roi(), fitted.compute_roi())


def test_identical_seeded_fits_are_made_once(national, tmp_path, monkeypatch):
    "With $MMM_FIT_CACHE set, a second identical fit loads the first; other data, arguments or a progress callback do not."
    from mmm_framework.model import FIT_CACHE_ENV, FitProgress
    monkeypatch.setenv(FIT_CACHE_ENV, str(tmp_path))
    panel, _ = national
    fit = dict(draws=20, tune=20, chains=1, random_seed=7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        first, second = build(panel).fit(**fit), build(panel).fit(**fit)
        assert (first.from_cache, second.from_cache) == (False, True) and first.cache_path == second.cache_path
        np.testing.assert_array_equal(first.posterior["saturation_roi"].values, second.posterior["saturation_roi"].values)
        pd.testing.assert_frame_equal(first.mmm.compute_roi(), second.mmm.compute_roi())
        assert build(panel).fit(**fit | {"random_seed": 8}).from_cache is False  # another seed: sampled
        live = build(panel).fit(**fit, progress=FitProgress())  # a watched fit samples (its progress is the point)
        assert live.from_cache is False and live.cache_path is None
    m = build(panel)
    x = panel.X_media.copy(); x[0] += 1.0
    other = build(panel.__class__(**{**panel.__dict__, "X_media": x}))
    args = {"draws": 20, "seed": 7}
    assert m.fit_cache_path(args) == build(panel).fit_cache_path(args)
    assert len({m.fit_cache_path(args), other.fit_cache_path(args), m.fit_cache_path(args | {"draws": 21}),
                build(panel, tune=5).fit_cache_path(args)}) == 4  # data, arguments and config are all in the key
    monkeypatch.delenv(FIT_CACHE_ENV)
    assert m.fit_cache_path(args) is None


def test_a_second_dataset_of_the_same_structure_reuses_the_compiled_sampler_and_draws_the_same(national, monkeypatch):
    "A model whose graph matches one compiled before gets that code with its own data (even another number of weeks): the draws of a fresh compile (same seed)."
    from collections import OrderedDict
    import mmm_framework.model as M
    monkeypatch.delenv(M.FIT_CACHE_ENV, raising=False)  # sample every fit here (the fit cache would load identical ones)
    df, truth = simulate_mmm(n_periods=52, channels=("TV", "Search"), seed=11)  # national's structure; fewer weeks, other values
    other = load_mff(df, truth.config)
    build(national[0]).compiled()
    reused = build(other)
    reused.compiled()
    assert reused.compile_reused
    assert M.graph_fingerprint(reused.model)[0] != M.graph_fingerprint(build(other, adstock={"type": "geometric", "l_max": 4}).model)[0]
    monkeypatch.setattr(M, "_COMPILED", OrderedDict())  # this process has compiled nothing yet
    fresh = build(other)
    fresh.compiled()
    assert not fresh.compile_reused
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a, b = (m.fit(draws=40, tune=40, chains=1, random_seed=4) for m in (reused, fresh))
    assert {"saturation_roi", "adstock_alpha", "sigma"} <= set(a.posterior.data_vars) == set(b.posterior.data_vars)
    for v in a.posterior.data_vars: np.testing.assert_array_equal(a.posterior[v].values, b.posterior[v].values, err_msg=v)
    pd.testing.assert_frame_equal(reused.compute_roi(), fresh.compute_roi())


def test_unfitted_model_says_so(national):
    with pytest.raises(RuntimeError, match="call .fit"):
        build(national[0]).compute_roi()


def test_refit_with_new_prior_values_reuses_the_compiled_sampler(fitted):
    sat = fitted.model_config.saturation  # the default family (Hill) with a new value of one prior: same structure
    cfg = fitted.model_config.replace(intercept_prior={"distribution": "normal", "params": {"mu": 1.0, "sigma": 0.5}},
                                      saturation=sat.replace(priors={**sat.priors, "slope": P("gamma", mu=2.0, sigma=0.5)}))
    again = fitted.with_config(cfg)
    assert again.recompiled is False and again._compiled is not fitted._compiled
    H = again.model["hyper"].get_value()
    start, shape, value = again.model._hyper["intercept__mu"]
    key = {str(k): v for k, v in again._compiled.shared_var_keys.items()}["hyper"]
    assert H[start] == 1.0 and again._compiled.shared_data[key][start] == 1.0  # the new value reached the sampler
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        again.fit(draws=30, tune=30, chains=1)
    assert again.results.diagnostics["draws"] == 30
    assert fitted.with_config(cfg.replace(adstock={"type": "geometric", "l_max": 4})).recompiled is True  # structure changed
    assert fitted.with_config(cfg.replace(saturation={"type": "logistic"})).recompiled is True


def test_channel_level_transforms_override_the_model_default(national):
    panel, _ = national
    tv = panel.config.media_channels[0].replace(adstock={"type": "weibull_cdf"}, saturation={"type": "logistic"})
    p2 = panel.__class__(**{**panel.__dict__, "config": panel.config.replace(media_channels=[tv, *panel.config.media_channels[1:]])})
    m = build(p2)
    names = rvs(m)
    assert {"adstock0_lam", "adstock0_k", "adstock1_alpha", "saturation0_lam", "saturation1_kappa"} <= set(names)
    assert m.channel_transforms()["TV"][0].type == "weibull_cdf" and m.channel_transforms()["Search"][0].type == "geometric"
    # channel order survives the per-family split: zeroing Search's media zeroes only Search's column
    x = m.data.x.copy(); x[..., 1] = 0.0
    m.model["X_media"].set_value(x / m.data.x_scale[None])
    out = contrib(m)
    assert np.abs(out[..., 1]).max() == 0 and np.abs(out[..., 0]).max() > 0


def test_refit_a_prior_change_psis_rejects_samples_with_a_short_warmup(fitted):
    "A far prior change: the PSIS check declines, the compiled sampler is reused with tune=min(config tune, REFIT_TUNE)."
    from mmm_framework.model import REFIT_TUNE, _log_prior_ratio
    cfg = fitted.model_config
    far = fitted.with_config(cfg.replace(tune=500, relative_roi_prior=cfg.relative_roi_prior.replace(params={"mu": 3.0, "sigma": 0.05})))
    assert far.recompiled is False
    post = fitted.results.posterior
    lr = _log_prior_ratio(far, fitted, post)  # vectorised over draws; check three draws against PyMC's own log-density
    from pymc.model.transform.conditioning import remove_value_transforms
    names = [v.name for v in far.model.free_RVs]
    for c, d in [(0, 0), (0, 5), (post.sizes["chain"] - 1, post.sizes["draw"] - 1)]:
        point = {n: post[n].values[c, d] for n in names}
        lp = []
        for m in (far, fitted):
            mm = remove_value_transforms(m.model)
            lp.append(mm.compile_logp(vars=mm.free_RVs, jacobian=False)(point))
        np.testing.assert_allclose(lr[c, d], lp[0] - lp[1], rtol=1e-9, atol=1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        res = far.fit(draws=30, chains=1, reuse=fitted.results)
    assert res.diagnostics["method"] == "nuts" and res.diagnostics["tune"] == min(500, REFIT_TUNE) == 300
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        res = far.fit(draws=30, tune=40, chains=1, reuse=fitted.results)
    assert res.diagnostics["tune"] == 40  # an explicit tune is honoured
