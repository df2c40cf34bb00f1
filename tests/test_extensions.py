"""mmm_extensions: what the configs change in the graph, what is rejected, parts that add up, save/load, what-ifs, reports
and dashboards of NestedMMM, MultivariateMMM and CombinedMMM; control selection's settings. Fits here are short (their
numbers are not judged): recovery of each model's truth (mediated paths, cross effects, correlation, controls that matter)
is evidence from full-size fits in benchmarks/bench_extensions.py, judged by tests/test_evidence.py."""
import warnings

import numpy as np
import pandas as pd
import pytest

from mmm_framework.config import ModelConfig
from mmm_framework.datasets import simulate_nested
from mmm_framework.mmm_extensions import (AggregatedSurveyConfig, MediatorConfig, NestedMMM, NestedModelConfig,
                                          inclusion_prob_selection_config, sparse_selection_config)
from mmm_framework.model import BayesianMMM, ConvergenceWarning, ModelBuildError

AWARE = {"awareness": ("TV", "Social")}


def nested(kind, **med):
    return NestedModelConfig(mediators=[MediatorConfig(name="awareness", mediator_type=kind, **med)], media_to_mediator_map=AWARE,
                             share_saturation_across_mediators=True)


def make(sim, cfg_nested, model_config=None, **kw):
    return NestedMMM(sim.X_media.to_numpy(), sim.y.to_numpy(), sim.channels, cfg_nested, index=sim.X_media.index,
                     model_config=model_config or ModelConfig(chains=2, draws=1000, tune=1000, seed=1),
                     mediator_data=kw.pop("mediator_data", sim.mediator_data), **kw)


SHORT = ModelConfig(chains=2, draws=300, tune=300, seed=1)  # behaviour, not recovery: see the module's docstring


@pytest.fixture(scope="module")
def partial():
    sim = simulate_nested(n_periods=156, mediators={"awareness": {"TV": 1.2, "Social": 0.8}}, observation={"awareness": "partial"}, seed=3)
    m = make(sim, nested("partially_observed"), model_config=SHORT)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        m.fit(nuts_sampler="nutpie")
    return sim, m


@pytest.mark.slow
def test_nested_parts_add_up_with_gaps(partial):
    sim, m = partial
    eff = m.compute_mediation_effects()
    # each draw's parts add up to its total, and the core's ROI table reports totals
    s = m.mediation_samples()
    np.testing.assert_allclose(s.sel(path=["direct", "awareness"]).sum("path"), s.sel(path="total"), rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(eff.xs("total", level="path")["mean"], m.compute_roi()["contribution"], rtol=1e-9)
    # the decomposition (with the mediator's own movement as a component) still sums to the expected KPI
    dec = m.decomposition_samples().sum("component")
    mu = m.sample_posterior_predictive(random_seed=0)["mu"].transpose(*dec.dims)
    np.testing.assert_allclose(dec.values, mu.values, rtol=1e-8)
    assert "awareness (own)" in dec.coords.get("component", m.decomposition_samples().component).values


@pytest.mark.slow
def test_nested_save_load_round_trip(partial, tmp_path):
    sim, m = partial
    back = NestedMMM.load(m.save(tmp_path / "nested"))
    pd.testing.assert_frame_equal(back.compute_mediation_effects(), m.compute_mediation_effects())
    assert back.nested_config == m.nested_config
    fit = back.mediator_fit("awareness")
    assert fit["observed"].isna().sum() == sim.mediator_data["awareness"].isna().sum()  # the gaps survive the round trip


def at_draw(m, var, seed=0, **values):
    "Model variable `var` at one prior draw of the free parameters, with `values` (constrained, by name) in place of the draw's."
    import pymc as pm
    free = m.model.free_RVs
    point = dict(zip([v.name for v in free], pm.draw(free, random_seed=seed))) | values
    return m.model.compile_fn(m.model[var], inputs=free, on_unused_input="ignore", mode="FAST_COMPILE")(point)  # one evaluation: compile fast


def logp(m, **at):
    "Model log-density at a fixed unconstrained point (0.3 everywhere, or the values in `at`)."
    pt_ = {k: np.full_like(v, 0.3) for k, v in m.model.initial_point().items()}
    pt_.update({k: v for k, v in at.items() if k in pt_})
    return float(m.model.compile_logp(mode="FAST_COMPILE")(pt_))  # one evaluation: compile fast


@pytest.fixture(scope="module")
def survey_sim():
    return simulate_nested(n_periods=52, mediators={"awareness": {"TV": 1.0, "Social": 0.8}}, observation={"awareness": "survey"}, seed=0)


def test_survey_settings_change_the_likelihood(survey_sim):
    base = logp(make(survey_sim, nested("aggregated_survey")))
    for s in (AggregatedSurveyConfig(likelihood="normal"), AggregatedSurveyConfig(likelihood="normal", design_effect=2.0),
              AggregatedSurveyConfig(likelihood="beta_binomial"), AggregatedSurveyConfig(aggregation_function="last")):
        assert logp(make(survey_sim, nested("aggregated_survey", survey=s))) != base, s
    a = logp(make(survey_sim, nested("aggregated_survey", survey=AggregatedSurveyConfig(likelihood="normal"))))
    b = logp(make(survey_sim, nested("aggregated_survey", survey=AggregatedSurveyConfig(likelihood="normal", design_effect=2.0))))
    assert a != b  # the design effect is honoured


def test_nested_fields_change_the_graph(survey_sim):
    rv = lambda m: sorted(v.name for v in m.model.free_RVs)
    base = make(survey_sim, nested("aggregated_survey"))
    own_sat = NestedModelConfig(mediators=base.nested_config.mediators, media_to_mediator_map=AWARE)
    assert "awareness_saturation_kappa" in rv(make(survey_sim, own_sat)) and "awareness_saturation_kappa" not in rv(base)
    slow = nested("aggregated_survey", adstock={"type": "geometric", "l_max": 12}, saturation={"type": "logistic"})
    assert "awareness_adstock_alpha" in rv(make(survey_sim, slow))
    no_direct = make(survey_sim, nested("aggregated_survey", allow_direct_effect=False))
    assert no_direct._direct.tolist() == [False, True, False]
    neg = make(survey_sim, nested("aggregated_survey", outcome_effect={"constraint": "negative", "sigma": 0.5}))
    assert logp(neg) != logp(base)
    all_ch = make(survey_sim, NestedModelConfig(mediators=base.nested_config.mediators, share_saturation_across_mediators=True))
    assert len(all_ch.model.coords["awareness_channel"]) == 3  # unmapped mediator: every channel drives it
    with pytest.warns(UserWarning, match="never observed"):
        lat = make(survey_sim, nested("fully_latent"), mediator_data={})
    assert "awareness_outcome_effect" not in rv(lat)


@pytest.mark.parametrize("kind,med,data,msg", [
    ("fully_latent", {}, {"awareness": "series"}, "fully_latent but mediator_data gives it values"),
    ("fully_observed", {}, {"awareness": "gappy"}, "use partially_observed"),
    ("partially_observed", {}, {}, "mediator_data has no 'awareness'"),
    ("partially_observed", {"saturation": {"type": "tanh"}}, {"awareness": "series"}, "tanh"),
    ("aggregated_survey", {}, {"awareness": "series"}, "as a DataFrame"),
    ("partially_observed", {}, {"awareness": "series", "visits": "series"}, "not mediators of the config"),
])
def test_rejected(survey_sim, kind, med, data, msg):
    s = pd.Series(np.linspace(40, 60, 52), index=survey_sim.X_media.index)
    vals = {"series": s, "gappy": s.where(s > 45)}
    with pytest.raises(ModelBuildError, match=msg):
        make(survey_sim, nested(kind, **med), mediator_data={k: vals[v] for k, v in data.items()})


def test_rejected_sharing_and_roi_priors(survey_sim):
    s = pd.Series(np.linspace(40, 60, 52), index=survey_sim.X_media.index)
    own_ad = nested("partially_observed", adstock={"type": "geometric"})
    with pytest.raises(ModelBuildError, match="share the adstock too"):
        make(survey_sim, own_ad, mediator_data={"awareness": s})


def selection_data(seed=0, n=156):
    "National data with 6 candidate controls, of which the first two matter."
    from mmm_framework.datasets import simulate_mmm
    df, truth = simulate_mmm(n_periods=n, channels=("TV", "Search"), controls=False, noise=0.02, seed=seed)
    rng = np.random.default_rng(seed + 1)
    Z = rng.normal(size=(n, 6))
    y = truth.y.values[:, 0] + Z @ np.array([60.0, -45.0, 0, 0, 0, 0])
    X = truth.spend.values[:, 0, :]
    return X, y, Z


def test_selection_settings_change_the_graph():
    X, y, Z = selection_data(n=52)
    build = lambda sel: BayesianMMM(X, y, ["TV", "Search"], ModelConfig(control_selection=sel), X_controls=Z)
    base = logp(build(inclusion_prob_selection_config(0.5)))
    assert logp(build(inclusion_prob_selection_config(0.2))) != base
    near0 = dict(control_ss_coef=np.full(6, 0.01))
    assert logp(build(inclusion_prob_selection_config(0.5).replace(spike_scale=0.02)), **near0) != logp(build(inclusion_prob_selection_config(0.5)), **near0)
    # a confounder keeps its ordinary prior: with the spike-and-slab draw and the ordinary coefficient set apart,
    # the likelihood reads the ordinary one for the confounder only
    at = lambda m: logp(m, control_ss_coef=np.full(6, 0.9), control_coef=np.full(6, 0.1))
    assert at(build(inclusion_prob_selection_config(0.5, confounders=("control_0",)))) != at(build(inclusion_prob_selection_config(0.5)))


def test_nested_model_uses_control_selection(survey_sim):
    Z = np.random.default_rng(0).normal(size=(52, 3))
    for sel, var in ((sparse_selection_config(1), "control_hs_tau"), (inclusion_prob_selection_config(0.3), "control_ss_coef")):
        m = make(survey_sim, nested("aggregated_survey"), model_config=ModelConfig(control_selection=sel), X_controls=Z)
        assert var in [v.name for v in m.model.free_RVs]


# ---------------------------------------------------------------- MultivariateMMM
from mmm_framework.datasets import simulate_multivariate  # noqa: E402
from mmm_framework.mmm_extensions import MultivariateModelConfig  # noqa: E402
from mmm_framework.mmm_extensions.multivariate import MultivariateMMM  # noqa: E402

CANNIBAL = [{"source_outcome": "premium", "target_outcome": "basic", "promotion_column": "premium_promo"}]


def mv_model(ms, cross=CANNIBAL, model_config=None, **mv):
    cfg = MultivariateModelConfig(outcomes=[{"name": "premium"}, {"name": "basic"}], cross_effects=cross, **mv)
    return MultivariateMMM(ms.X_media.to_numpy(), ms.outcomes, ms.channels, cfg, index=ms.outcomes.index,
                           model_config=model_config or SHORT,
                           promotion_data=ms.promotions, promotion_owner={"basic_promo": "basic", "premium_promo": "premium"})


@pytest.fixture(scope="module")
def multivariate():
    ms = simulate_multivariate(n_periods=156, seed=2)
    m = mv_model(ms)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        m.fit(nuts_sampler="nutpie")
    return ms, m


@pytest.mark.slow
def test_multivariate_parts_add_up(multivariate):
    ms, m = multivariate
    oe = m.compute_outcome_effects()
    assert set(oe.index.get_level_values(0)) == {"premium", "basic", "via cross effects", "net (all outcomes)"}
    # parts add up: each outcome's media + what flows through the cross effect = the net per channel
    np.testing.assert_allclose(oe.loc["premium", "mean"].values + oe.loc["basic", "mean"].values + oe.loc["via cross effects", "mean"].values,
                               oe.loc["net (all outcomes)", "mean"].values, rtol=1e-9)


@pytest.mark.slow
def test_multivariate_save_load_round_trip(multivariate, tmp_path):
    ms, m = multivariate
    back = MultivariateMMM.load(m.save(tmp_path / "mv"))
    assert back.mv_config == m.mv_config
    pd.testing.assert_frame_equal(back.compute_cross_effects(), m.compute_cross_effects())
    pd.testing.assert_frame_equal(back.outcome_correlation(), m.outcome_correlation())


@pytest.fixture(scope="module")
def mv_sim():
    return simulate_multivariate(n_periods=52, seed=0)


def test_multivariate_fields_change_the_graph(mv_sim):
    rv = lambda m: sorted(v.name for v in m.model.free_RVs)
    base = mv_model(mv_sim)
    assert logp(mv_model(mv_sim, lkj_eta=8.0)) != logp(base)
    assert "saturation_kappa" in rv(mv_model(mv_sim, share_media_saturation=True)) and "premium_saturation_kappa" in rv(base)
    assert base.model["season_coef"].ndim == 1 and mv_model(mv_sim, share_seasonality=False).model["season_coef"].ndim == 2
    assert base.model["trend_growth"].ndim == 1 and mv_model(mv_sim, share_trend=True).model["trend_growth"].ndim == 0
    lagged = [{**CANNIBAL[0], "lag": 2}]
    assert logp(mv_model(mv_sim, cross=lagged)) != logp(base)
    halo = [{**CANNIBAL[0], "effect_type": "halo"}]
    assert logp(mv_model(mv_sim, cross=halo)) != logp(base)
    sym = mv_model(mv_sim, cross=[{"source_outcome": "premium", "target_outcome": "basic", "effect_type": "symmetric"}])
    cc = at_draw(sym, "cross_contribution")
    assert (np.abs(cc[:, :, 0]) > 0).any(axis=0).all()  # both outcomes receive the symmetric effect
    no_trend = MultivariateModelConfig(outcomes=[{"name": "premium", "include_trend": False}, {"name": "basic"}], cross_effects=CANNIBAL)
    m = MultivariateMMM(mv_sim.X_media.to_numpy(), mv_sim.outcomes, mv_sim.channels, no_trend, promotion_data=mv_sim.promotions,
                        promotion_owner={"basic_promo": "basic"}, index=mv_sim.outcomes.index)
    tr = at_draw(m, "trend_component", trend_growth=np.array([0.7, 0.7]))
    assert np.allclose(tr[:, 0], 0.0) and not np.allclose(tr[:, 1], 0.0)


def test_multivariate_per_outcome_carryover(mv_sim):
    "share_media_adstock=False: each outcome's media carry-over follows its own adstock parameters."
    m = mv_model(mv_sim, share_media_adstock=False)
    names = {v.name for v in m.model.free_RVs}
    assert {"premium_adstock_alpha", "basic_adstock_alpha"} <= names and "adstock_alpha" not in names
    a, b = at_draw(m, "channel_contribution", premium_adstock_alpha=np.full(3, 0.1)), at_draw(m, "channel_contribution", premium_adstock_alpha=np.full(3, 0.8))
    assert not np.allclose(a[:, 0], b[:, 0]) and np.allclose(a[:, 1], b[:, 1])  # premium's carry-over moved, basic's did not


@pytest.mark.parametrize("trend", [{"type": "piecewise", "n_changepoints": 4}, {"type": "spline"}, {"type": "gaussian_process"}])
def test_multivariate_per_outcome_trend(mv_sim, trend):
    "share_trend=False with a piecewise, spline or GP trend: one path per outcome (shared: the same path)."
    def trend_paths(share):
        return at_draw(mv_model(mv_sim, model_config=ModelConfig().replace(trend=trend), share_trend=share), "trend_component", seed=3)
    own, shared = trend_paths(False), trend_paths(True)
    assert own.shape == shared.shape == (len(mv_sim.outcomes), 2)
    assert not np.allclose(own[:, 0], own[:, 1]) and np.allclose(shared[:, 0], shared[:, 1])


@pytest.mark.parametrize("change,msg", [
    (dict(cfg=dict(specification="multiplicative")), "additive"),
    (dict(cfg=dict(intercept_prior={"distribution": "normal", "params": {"mu": 0, "sigma": 5}})), "intercept_prior_sigma"),
    (dict(cfg=dict(hierarchical={"media_pooling": "none"})), "Leave hierarchical"),
    (dict(cfg=dict(saturation={"type": "logistic", "priors": {"beta": {"distribution": "half_normal", "params": {"sigma": 3}}}})), "OutcomeConfig.media_effect"),
    (dict(cross=[{"source_outcome": "premium", "target_outcome": "basic", "effect_type": "symmetric", "promotion_column": "premium_promo"}]), "symmetric"),
])
def test_multivariate_rejected(mv_sim, change, msg):
    with pytest.raises(ModelBuildError, match=msg):
        mv_model(mv_sim, cross=change.get("cross", CANNIBAL), model_config=ModelConfig().replace(**change.get("cfg", {})), **change.get("mv", {}))


def test_multivariate_uses_control_selection(mv_sim):
    "Control selection reaches the multi-outcome model's controls (its promotions here); a confounder is never shrunk."
    for sel, var in ((sparse_selection_config(1), "control_hs_tau"), (inclusion_prob_selection_config(0.3), "control_ss_coef")):
        assert var in [v.name for v in mv_model(mv_sim, model_config=ModelConfig(control_selection=sel)).model.free_RVs]
    at = dict(control_ss_coef=np.full(2, 0.9), control_coef=np.full(2, 0.1))  # the likelihood reads one or the other per control
    plain = logp(mv_model(mv_sim, model_config=ModelConfig(control_selection=inclusion_prob_selection_config(0.3))), **at)
    kept = logp(mv_model(mv_sim, model_config=ModelConfig(control_selection=inclusion_prob_selection_config(0.3, confounders=("premium_promo",)))), **at)
    assert kept != plain


def test_multivariate_promotion_needs_an_owner(mv_sim):
    cfg = MultivariateModelConfig(outcomes=[{"name": "premium"}, {"name": "basic"}], cross_effects=CANNIBAL)
    with pytest.raises(ModelBuildError, match="promotion_owner"):
        MultivariateMMM(mv_sim.X_media.to_numpy(), mv_sim.outcomes, mv_sim.channels, cfg, promotion_data=mv_sim.promotions, index=mv_sim.outcomes.index)


# ---------------------------------------------------------------- CombinedMMM
from mmm_framework.datasets import simulate_combined  # noqa: E402
from mmm_framework.mmm_extensions import CombinedModelConfig  # noqa: E402
from mmm_framework.mmm_extensions.combined import CombinedMMM  # noqa: E402


@pytest.mark.slow
def test_combined_paths_per_outcome_and_round_trip(tmp_path):
    ms, med_data, true_ind = simulate_combined(n_periods=156, seed=1)
    cc = CombinedModelConfig(
        nested={"mediators": [{"name": "awareness"}], "media_to_mediator_map": {"awareness": ("TV", "Social")}},
        multivariate={"outcomes": [{"name": "premium"}, {"name": "basic"}], "share_media_saturation": True, "cross_effects": CANNIBAL})
    m = CombinedMMM(ms.X_media.to_numpy(), ms.outcomes, ms.channels, cc, mediator_data=med_data, promotion_data=ms.promotions,
                    promotion_owner={"basic_promo": "basic"}, index=ms.outcomes.index,
                    model_config=SHORT)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        m.fit(nuts_sampler="nutpie")
    me = m.compute_mediation_effects()
    truth = {(o, c, "direct"): v for (o, c), v in ms.effects["effect"].items()} | {(o, c, "awareness"): v for (o, c), v in true_ind["effect"].items()}
    assert set(truth) <= set(me.index)  # a row for every true path of every outcome (recovery: benchmarks/bench_extensions.py)
    assert ((me.hdi_low <= me["mean"]) & (me["mean"] <= me.hdi_high)).all()
    back = CombinedMMM.load(m.save(tmp_path / "combined"))
    pd.testing.assert_frame_equal(back.compute_mediation_effects(), me)
    assert back.combined_config == cc


def test_combined_uses_control_selection():
    "Control selection reaches the combined model's controls too (the same core term)."
    ms, med_data, _ = simulate_combined(n_periods=52, seed=1)
    cc = CombinedModelConfig(nested={"mediators": [{"name": "awareness"}], "media_to_mediator_map": {"awareness": ("TV", "Social")}},
                             multivariate={"outcomes": [{"name": "premium"}, {"name": "basic"}], "share_media_saturation": True, "cross_effects": CANNIBAL})
    m = CombinedMMM(ms.X_media.to_numpy(), ms.outcomes, ms.channels, cc, mediator_data=med_data, promotion_data=ms.promotions,
                    promotion_owner={"basic_promo": "basic"}, index=ms.outcomes.index,
                    model_config=ModelConfig(control_selection=inclusion_prob_selection_config(0.3)))
    assert "control_ss_coef" in [v.name for v in m.model.free_RVs]


# ---------------------------------------------------------------- reports of the extension models
from mmm_framework.reporting import MMMReportGenerator  # noqa: E402


@pytest.mark.slow
def test_nested_what_if_moves_mediators_through_their_media_paths(partial):
    """Switching a channel off in a what-if moves the outcome by the channel's whole effect (direct + mediated), draw by
    draw: the mediator's own movement is held as fitted, its media path moves. Budget plans and prediction run on the same function."""
    sim, m = partial
    rc = m.response_curves(multipliers=[0.0, 1.0], max_draws=None)
    at1 = rc[rc.multiplier == 1.0].set_index("channel")["mean"]
    eff = m.compute_mediation_effects()
    total, direct = eff.xs("total", level="path")["mean"], eff.xs("direct", level="path")["mean"]
    np.testing.assert_allclose(at1[total.index].values, total.values, rtol=1e-6)
    assert at1["TV"] > direct["TV"] + 0.5 * (total["TV"] - direct["TV"])  # the mediated part is in the response
    pr = m.posterior_response(max_draws=None)
    mu = m.results.derived()["mu"].stack(sample=("chain", "draw")).transpose("sample", "date", "series").values * m.data.y_scale
    np.testing.assert_allclose(pr.kpi(m.data.dates, m.data.x, m.data.z), mu, rtol=1e-9, atol=1e-9)  # recorded media: the fit
    plan = m.optimize_budget(n_periods=8, max_draws=200)
    assert plan.allocation["optimal_spend"].sum() == pytest.approx(plan.budget, rel=1e-6)
    assert plan.lift.loc["lift", "mean"] >= -1e-6 * abs(plan.lift.loc["reference", "mean"])  # no worse than the reference plan
    d = m.data  # prediction: fitted periods at recorded media give the fit; new periods add each tracked mediator's own movement
    pin = m.predict_samples(d.x[100:120], d.z[100:120], dates=d.dates[100:120])
    fitted = m._to_kpi(m.results.derived()["mu"]).isel(date=slice(100, 120)).transpose(*pin["mu"].dims)
    np.testing.assert_allclose(pin["mu"].values, fitted.values, rtol=1e-9)
    fut = m.predict(d.x[-8:], random_seed=1)
    assert ((fut.pred_hdi_high - fut.pred_hdi_low) > (fut.mean_hdi_high - fut.mean_hdi_low)).all()
    with pytest.raises(NotImplementedError, match="NestedMMM does not know yet"):  # not a core model scored in its name
        m.holdout_score(n_holdout=8)


@pytest.mark.slow
def test_report_of_a_nested_model(partial):
    _, m = partial
    from mmm_framework.reporting import ReportConfig
    keep = {"roi", "response_curves", "extensions"}  # the rest is the core's report, tested with the core model
    gen = MMMReportGenerator(ReportConfig(sections={s: s in keep for s in ReportConfig().sections}))
    html = gen.generate_report(m)
    t = gen.tables()
    assert "mediation_effects" in t and 'data-table="mediation_effects"' in html
    pd.testing.assert_frame_equal(t["mediation_effects"], m.compute_mediation_effects()[t["mediation_effects"].columns])
    assert "response_curves" not in gen.notes  # what-if works on a NestedMMM (mediators move through their media paths)
    assert "roi" in t  # totals and ROI are exact and reported
    assert 'data-chart="effects"' in html  # the effects-by-path chart


@pytest.mark.slow
def test_report_of_a_multivariate_model(multivariate):
    _, m = multivariate
    from mmm_framework.reporting import ReportConfig
    gen = MMMReportGenerator(ReportConfig(sections={s: s in {"budget", "extensions"} for s in ReportConfig().sections}))
    html = gen.generate_report(m)
    t = gen.tables()
    assert {"cross_effects", "outcome_effects", "outcome_correlation"} <= set(t) and 'data-table="cross_effects"' in html
    assert len(t["outcome_correlation"]) == 1  # one pair
    assert "extensions" not in gen.notes and "what-if analysis" in gen.notes["budget"]
    assert 'data-chart="effects"' in html


@pytest.mark.slow
def test_dashboard_of_a_multivariate_model(multivariate):
    "The dashboard of a multi-outcome model: outcomes to select, an effects tab (direct, via the cross effect, total) instead of curves."
    from dataclasses import replace
    from mmm_framework.ui.dashboard import ALL, EXTENSION_TABS, PosteriorDashboard
    _, m = multivariate
    db = PosteriorDashboard(m, max_draws=None)
    assert db.data.tabs == EXTENSION_TABS and db.data.geos == [ALL, "premium", "basic"] and db.geo.description == "outcome"
    via = f"via {m.mv_config.cross_effects[0].short()}"
    oe = m.compute_outcome_effects()
    e_all = db.data.effects(db.state).set_index(["channel", "path"])["mean"]
    np.testing.assert_allclose(e_all.xs("total", level="path").values, oe.loc["net (all outcomes)", "mean"].values, rtol=1e-6)
    e_basic = db.data.effects(replace(db.state, geo="basic")).set_index(["channel", "path"])["mean"]
    np.testing.assert_allclose(e_basic.xs("direct", level="path").values, oe.loc["basic", "mean"].values, rtol=1e-6)
    np.testing.assert_allclose(e_basic.xs(via, level="path").values, oe.loc["via cross effects", "mean"].values, rtol=1e-6)  # lands on basic
    assert (e_basic.xs(via, level="path") < 0).all()  # premium's promotion cannibalises basic
    e_prem = db.data.effects(replace(db.state, geo="premium")).set_index(["channel", "path"])["mean"]
    assert (e_prem.xs(via, level="path") == 0).all()
    db.geo.value = "premium"  # the fit tab follows the outcome
    np.testing.assert_allclose(np.array(db.figs["fit"].data[3].y), m.data.y[:, 0])
