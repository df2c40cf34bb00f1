"""Config behaviour: exact round-trips, readable validation errors, Prior conversion, HTML repr."""
import json

import pydantic
import pytest
from pymc_extras.prior import Prior

from mmm_framework import config as C
from mmm_framework.builders import (AdstockConfigBuilder, ControlSelectionConfigBuilder, HierarchicalConfigBuilder,
                                    ModelConfigBuilder, PriorConfigBuilder, SaturationConfigBuilder, SeasonalityConfigBuilder,
                                    TrendConfigBuilder)

NON_DEFAULT = {
    C.PriorConfig: dict(distribution="student_t", params={"nu": 4, "mu": 1, "sigma": 2}, dims=("channel",), centered=False),
    C.AdstockConfig: dict(type="delayed", l_max=13, normalize=False, priors={"theta": {"distribution": "half_normal", "params": {"sigma": 2}}}),
    C.SaturationConfig: dict(type="michaelis_menten", priors={"lam": {"distribution": "gamma", "params": {"mu": 1, "sigma": 0.5}}}),
    C.MediaChannelConfig: dict(name="TV", display_name="Television", dimensions=["period", "geography"], spend_variable="TV_spend",
                               unit="grps", split_by=["outlet"], adstock={"type": "weibull_pdf"}, saturation={"type": "tanh"},
                               roi_prior={"distribution": "log_normal", "params": {"mu": 0.5, "sigma": 0.4}}),
    C.ControlVariableConfig: dict(name="Price", display_name="Avg price", dimensions=["period"], sign_constraint="negative",
                                  aggregation="weighted_mean", weight_variable="Units", prior={"distribution": "half_normal", "params": {"sigma": 0.3}},
                                  standardize=False),
    C.KPIConfig: dict(name="Sales", display_name="Net sales", dimensions=["period", "product"], unit="EUR", aggregation="mean"),
    C.MFFColumnConfig: dict(period="Week", geography="Region", product="SKU", campaign="Camp", outlet="Out", creative="Cre",
                            variable_name="Var", variable_value="Val", date_format="%d/%m/%Y"),
    C.DimensionAlignmentConfig: dict(geo_allocation="custom", geo_weights={"A": 2, "B": 1}, product_allocation="population",
                                     product_weight_variable="Stores", missing_media="interpolate"),
    C.TrendConfig: dict(type="gaussian_process", n_changepoints=3, changepoint_range=0.5, changepoint_prior_scale=0.2, n_knots=9,
                        spline_degree=2, spline_prior_scale=0.3, gp_n_basis=40, gp_c=2.0,
                        gp_lengthscale_prior={"distribution": "log_normal", "params": {"mu": -1, "sigma": 0.5}}),
    C.SeasonalityConfig: dict(yearly=4, monthly=1, weekly=2, prior={"distribution": "laplace", "params": {"mu": 0, "b": 0.2}}),
    C.HierarchicalConfig: dict(intercept_pooling="none", media_pooling="complete", control_pooling="partial", non_centered=False,
                               size_variable="Population"),
    C.ControlSelectionConfig: dict(method="horseshoe", expected_nonzero=3, slab_scale=1.5, exclude=["Price"]),
    C.ModelConfig: dict(kpi="Sales", specification="multiplicative", likelihood="student_t", sampler="numpyro", chains=2,
                        draws=300, tune=400, target_accept=0.95, seed=7, adstock={"type": "weibull_cdf", "l_max": 10},
                        lift_tests=[{"channel": "TV", "start": "2024-03-04", "end": "2024-04-01", "lift": 1200.0, "se": 150.0}]),
    C.LiftTestConfig: dict(channel="Search", start="2024-05-06", end="2024-06-03", geo="North", roi=2.5, se=0.4),
}


def _mff():
    return C.MFFConfig(kpi=C.KPIConfig(name="Sales"), media_channels=[C.MediaChannelConfig(**NON_DEFAULT[C.MediaChannelConfig])],
                       controls=[C.ControlVariableConfig(**NON_DEFAULT[C.ControlVariableConfig])],
                       columns=C.MFFColumnConfig(**NON_DEFAULT[C.MFFColumnConfig]),
                       alignment=C.DimensionAlignmentConfig(**NON_DEFAULT[C.DimensionAlignmentConfig]), frequency="D",
                       auxiliary_variables=["Population"])


CONFIGS = [cls(**kw) for cls, kw in NON_DEFAULT.items()] + [_mff()]
ALL_CLASSES = [c for c in vars(C).values() if isinstance(c, type) and issubclass(c, C.MMMConfig) and c is not C.MMMConfig]


def test_every_config_class_is_covered():
    assert {type(c) for c in CONFIGS} == set(ALL_CLASSES)


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: type(c).__name__)
def test_round_trip_exact(cfg, tmp_path):
    cls = type(cfg)
    assert cls.from_json(cfg.to_json()) == cfg
    assert cls.from_yaml(cfg.to_yaml()) == cfg
    assert cls.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg
    assert cls.load(cfg.save(tmp_path / "c.yaml")) == cfg
    # non-defaults survive: the round trip is not just defaults compared with defaults
    assert cfg.to_dict() != cls.model_fields and cfg != _default_or_none(cls)


def _default_or_none(cls):
    try: return cls()
    except pydantic.ValidationError: return None


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: type(c).__name__)
def test_html_repr_lists_every_field(cfg):
    "Each field is a row when it applies under the other settings, or named in the 'not used' line."
    from mmm_framework.config import _applies
    h = cfg._repr_html_()
    assert h.startswith("<details><summary>")  # collapsed by default
    for f in type(cfg).model_fields:
        if _applies(cfg, f): assert f"<b>{f}</b>" in h, f
        else: assert f"<b>{f}</b>" not in h and f in h.rsplit("Not used with these settings:", 1)[1], f  # its own line comes last


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_unknown_fields_rejected(cls):
    base = NON_DEFAULT.get(cls) or {"kpi": {"name": "S"}, "media_channels": [{"name": "TV"}]}
    with pytest.raises(pydantic.ValidationError, match="Extra inputs are not permitted"):
        cls(**base, not_a_field=1)


@pytest.mark.parametrize("cls,kw,msg", [
    (C.AdstockConfig, dict(l_max=0), "greater than or equal to 1"),
    (C.AdstockConfig, dict(type="exponential"), "'geometric', 'weibull_cdf', 'weibull_pdf', 'delayed' or 'none'"),
    (C.SaturationConfig, dict(type="hill", priors={"lam": {"distribution": "gamma", "params": {"alpha": 1, "beta": 1}}}), "['beta', 'kappa', 'slope']"),
    (C.PriorConfig, dict(distribution="normal", params={"sigma": 0}), "sigma must be > 0"),
    (C.PriorConfig, dict(distribution="normal", params={"sigma": float("inf")}), "not finite"),
    (C.PriorConfig, dict(distribution="uniform", params={"lower": 2, "upper": 1}), "lower < upper"),
    (C.PriorConfig, dict(distribution="dirichlet", params={}), "Input should be"),
    (C.PriorConfig, dict(distribution="beta", params={"alpha": 1}), "{alpha, beta} or {mu, sigma}"),
    (C.ModelConfig, dict(draws=0), "greater than or equal to 1"),
    (C.ModelConfig, dict(specification="log"), "'additive' or 'multiplicative'"),
    (C.TrendConfig, dict(type="quadratic"), "'none', 'linear', 'piecewise', 'spline' or 'gaussian_process'"),
    (C.TrendConfig, dict(changepoint_range=1.5), "less than or equal to 1"),
    (C.SeasonalityConfig, dict(yearly=-1), "greater than or equal to 0"),
    (C.MediaChannelConfig, dict(name=""), "at least 1 character"),
    (C.MediaChannelConfig, dict(name="TV", spend_variable="TV"), "spend_variable is the media variable itself"),
    (C.MediaChannelConfig, dict(name="TV", roi_prior={"distribution": "log_normal", "params": {"mu": 0, "sigma": 1}},
                                share_prior={"distribution": "beta", "params": {"alpha": 2, "beta": 8}}), "not both"),
    (C.ControlVariableConfig, dict(name="P", weight_variable="W"), "weight_variable is needed exactly when"),
    (C.KPIConfig, dict(name="S", aggregation="weighted_mean"), "KPI aggregation must be 'sum' or 'mean'"),
    (C.MFFColumnConfig, dict(period="X", geography="X"), "must be distinct"),
    (C.DimensionAlignmentConfig, dict(geo_weights={"A": 1}), "geo_weights is needed exactly when"),
    (C.DimensionAlignmentConfig, dict(product_allocation="population"), "product_weight_variable is needed"),
    (C.MFFConfig, dict(kpi={"name": "S"}, media_channels=[]), "at least 1 item"),
    (C.MFFConfig, dict(kpi={"name": "S"}, media_channels=[{"name": "TV"}, {"name": "TV"}]), "configured twice"),
    (C.HierarchicalConfig, dict(media_pooling="some"), "'complete', 'partial' or 'none'"),
])
def test_invalid_values_raise_readable_errors(cls, kw, msg):
    with pytest.raises(pydantic.ValidationError) as e:
        cls(**kw)
    assert msg in str(e.value), str(e.value)


@pytest.mark.parametrize("dist", list(C.PriorType))
def test_prior_conversion_every_distribution(dist):
    req, opt = C._PRIOR_PARAMS[dist][0]
    params = {p: (0.5 if p not in ("lower", "upper") else (0.0 if p == "lower" else 2.0)) for p in req | opt}
    if dist == C.PriorType.TRUNCATED_NORMAL: params.update(lower=-1.0, upper=1.0)
    pc = C.PriorConfig(distribution=dist, params=params, dims=("channel",))
    prior = pc.to_prior()
    assert isinstance(prior, Prior) and prior.distribution == dist.pymc_name and prior.dims == ("channel",)
    assert C.PriorConfig.from_prior(prior) == pc
    assert C.PriorConfig.from_prior(prior.to_dict()) == pc


def test_prior_from_pymc_extras_with_arrays():
    import numpy as np
    p = Prior("Normal", mu=np.array([0.0, 1.0]), sigma=1, dims="channel")
    assert C.PriorConfig.from_prior(p).params["mu"] == [0.0, 1.0]
    assert C.PriorConfig.from_prior(p).to_prior().to_dict() == p.to_dict()


def test_configs_are_immutable_and_replace_validates():
    m = C.ModelConfig()
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        m.draws = 5
    with pytest.raises(pydantic.ValidationError):
        m.replace(draws=-1)
    assert m.replace(adstock=C.AdstockConfig(type="none")).adstock.priors == {}


def test_changing_family_resets_family_priors():
    sat = SaturationConfigBuilder().hill().with_prior("kappa", PriorConfigBuilder().gamma(mu=1, sigma=0.5)).build()
    assert sat.replace(type="logistic").priors == C.SATURATION_DEFAULT_PRIORS[C.SaturationType.LOGISTIC]
    assert AdstockConfigBuilder().weibull_cdf().with_prior("k", PriorConfigBuilder().gamma(2, 1)).geometric().build().priors \
        == C.ADSTOCK_DEFAULT_PRIORS[C.AdstockType.GEOMETRIC]


def test_builders_cover_every_config():
    import mmm_framework.builders as B
    built = {b.config_class for b in vars(B).values() if isinstance(b, type) and issubclass(b, B.ConfigBuilder) and b is not B.ConfigBuilder}
    # columns are set through MFFConfigBuilder.with_columns, lift tests through ModelConfigBuilder.with_lift_test
    assert built == set(ALL_CLASSES) - {C.MFFColumnConfig, C.LiftTestConfig}


def test_seed_example_and_full_builder():
    cfg = ModelConfigBuilder().with_kpi("sales").build()
    assert cfg.kpi == "sales"
    full = (ModelConfigBuilder().with_kpi("sales").with_trend(TrendConfigBuilder().spline(n_knots=8))
            .with_seasonality(SeasonalityConfigBuilder().with_yearly(4)).with_hierarchical(HierarchicalConfigBuilder().no_pooling())
            .with_control_selection(ControlSelectionConfigBuilder().spike_and_slab()).with_sampler("pymc").build())
    assert (full.trend.n_knots, full.seasonality.yearly, full.hierarchical.media_pooling, full.control_selection.method, full.sampler) == \
        (8, 4, "none", "spike_and_slab", "pymc")
