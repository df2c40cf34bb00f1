"""Nothing is dead: every config field has a named reader, and the loader's fields are shown to change what loads.

Fields read by the data layer point at the behaviour test that proves it. Fields read by the model
(issue 3) are listed as such; until the model lands, this test stops a field being added without anyone
deciding who reads it, and `test_model_fields_are_carried` shows they travel intact with the panel.
"""
import numpy as np
import pytest

import test_config
import test_data_loader as T
from conftest import frame, rows, weeks
from mmm_framework import config as C
from mmm_framework.builders import (DimensionAlignmentConfigBuilder, KPIConfigBuilder, MFFConfigBuilder,
                                    create_simple_mff_config)
from mmm_framework.data_loader import load_mff

MODEL = "model (issue 3)"
READERS = {
    C.PriorConfig: {f: "config: to_prior (test_prior_conversion_every_distribution)" for f in ("distribution", "params", "dims", "centered")},
    C.AdstockConfig: {"type": MODEL, "l_max": MODEL, "normalize": MODEL, "priors": MODEL},
    C.SaturationConfig: {"type": MODEL, "priors": MODEL},
    C.MediaChannelConfig: {"name": "test_national_load", "display_name": "test_channel_metadata_carries_config_fields",
                           "dimensions": "test_declared_dimensions_must_match", "spend_variable": "test_split_conserves_totals_for_media_and_spend",
                           "unit": "test_channel_metadata_carries_config_fields", "split_by": "test_outlet_split_becomes_channels_and_campaigns_summed",
                           "adstock": "test_channel_metadata_carries_config_fields (and the model)",
                           "saturation": "test_channel_metadata_carries_config_fields (and the model)",
                           "roi_prior": MODEL, "share_prior": MODEL},
    C.LiftTestConfig: {f: MODEL for f in C.LiftTestConfig.model_fields},
    C.ControlVariableConfig: {"name": "test_national_load", "display_name": "test_display_names_reach_the_summary",
                              "dimensions": "test_declared_dimensions_must_match", "aggregation": "test_intensive_controls_copied_down_and_averaged_up",
                              "weight_variable": "test_intensive_controls_copied_down_and_averaged_up",
                              "sign_constraint": MODEL, "prior": MODEL, "standardize": MODEL},
    C.KPIConfig: {"name": "test_national_load", "display_name": "test_display_names_reach_the_summary",
                  "dimensions": "test_missing_kpi_rows_in_a_geo", "unit": "test_channel_metadata_carries_config_fields",
                  "aggregation": "test_kpi_aggregation_rule_is_read"},
    C.MFFColumnConfig: {f: "test_every_column_name_is_read" for f in
                        ("period", "geography", "product", "campaign", "outlet", "creative", "variable_name", "variable_value")}
                       | {"date_format": "test_custom_columns_and_date_format"}
                       | {f: "test_csv_separator_decimal_thousands_and_encoding_are_read" for f in ("delimiter", "decimal", "thousands", "encoding")},
    C.DimensionAlignmentConfig: {"geo_allocation": "test_sales_share_split", "geo_weight_variable": "test_population_split_and_time_varying_population_averaged",
                                 "geo_weights": "test_custom_split_by_keyword_and_by_config", "product_allocation": "test_product_allocation_rules_are_read",
                                 "product_weight_variable": "test_product_allocation_rules_are_read",
                                 "product_weights": "test_product_level_kpi_and_product_split", "missing_media": "test_missing_media_interpolate"},
    C.MFFConfig: {"columns": "test_every_column_name_is_read", "kpi": "test_national_load", "media_channels": "test_national_load",
                  "controls": "test_national_load", "alignment": "test_equal_split", "frequency": "test_declared_frequency_mismatch",
                  "auxiliary_variables": "test_auxiliary_variables_are_loaded"},
    C.TrendConfig: {f: MODEL for f in C.TrendConfig.model_fields},
    C.SeasonalityConfig: {"yearly": MODEL, "monthly": "config: check_frequency (and the model)", "weekly": "config: check_frequency (and the model)", "prior": MODEL},
    C.HierarchicalConfig: {f: MODEL for f in C.HierarchicalConfig.model_fields},
    C.ControlSelectionConfig: {f: MODEL for f in C.ControlSelectionConfig.model_fields},
    C.ModelConfig: {f: MODEL for f in C.ModelConfig.model_fields},
}
THIS = globals()


@pytest.mark.parametrize("cls", test_config.ALL_CLASSES, ids=lambda c: c.__name__)
def test_every_field_has_a_reader(cls):
    assert set(READERS[cls]) == set(cls.model_fields), f"{cls.__name__}: fields without a reader: {set(cls.model_fields) - set(READERS[cls])}"


def test_named_tests_exist():
    for cls, fields in READERS.items():
        for f, where in fields.items():
            name = where.split(" ")[0]
            if name.startswith("test_"):
                assert hasattr(T, name) or name in THIS or hasattr(test_config, name), f"{cls.__name__}.{f}: no test {name}"


def test_every_column_name_is_read(national):
    names = {"period": "P", "geography": "G", "product": "Pr", "campaign": "Ca", "outlet": "O", "creative": "Cr",
             "variable_name": "N", "variable_value": "V"}
    default = C.MFFColumnConfig()
    renamed = national.rename(columns={getattr(default, k): v for k, v in names.items()})
    cfg = create_simple_mff_config("Sales", ["TV", "Search"], ["Price"], **names)
    np.testing.assert_allclose(load_mff(renamed, cfg).X_media.values, load_mff(national, T.SIMPLE).X_media.values)
    for k, v in names.items():  # each name on its own: the file keeps the default name, so the config's name is missing
        if k in ("geography", "product", "campaign", "outlet", "creative"): continue  # optional columns: checked next
        with pytest.raises(Exception, match=f"column '{v}' not found"):
            load_mff(national, T.SIMPLE.replace(columns={**default.to_dict(), k: v}))
    # an optional dimension column under another name is used, not ignored
    df = national.rename(columns={"Geography": "Region"})
    df.loc[df.VariableName == "TV", "Region"] = "North"
    cfg = T.SIMPLE.replace(columns={**default.to_dict(), "geography": "Region"})
    assert any("aggregated over 1 geos" in m for m in load_mff(df, cfg).log)


def test_kpi_aggregation_rule_is_read():
    d = weeks(4)
    df = frame(rows("Conv", lambda i: 10.0 + i, d, campaign="A"), rows("Conv", lambda i: 20.0 + i, d, campaign="B"), rows("TV", 1.0, d))
    summed = load_mff(df, MFFConfigBuilder().with_kpi("Conv").add_media("TV").build())
    mean = load_mff(df, MFFConfigBuilder().with_kpi(KPIConfigBuilder("Conv").averaged()).add_media("TV").build())
    np.testing.assert_allclose(summed.y.values.ravel(), 30.0 + 2 * np.arange(4))
    np.testing.assert_allclose(mean.y.values.ravel(), 15.0 + np.arange(4))


def test_product_allocation_rules_are_read():
    d = weeks(4)
    df = frame(rows("Sales", lambda i: 10.0 + i, d, product="P1"), rows("Sales", lambda i: 30.0 + i, d, product="P2"), rows("TV", 8.0, d),
               rows("Stores", 1.0, d, product="P1"), rows("Stores", 7.0, d, product="P2"))
    base = MFFConfigBuilder().with_kpi(KPIConfigBuilder("Sales").by_product()).add_media("TV")
    by_var = load_mff(df, base.with_alignment(DimensionAlignmentConfigBuilder().product_by_variable("Stores")).build())
    np.testing.assert_allclose(by_var.X_media.values[0, 0, :, 0], [1.0, 7.0])
    by_sales = load_mff(df, base.with_alignment(DimensionAlignmentConfigBuilder().product_by_sales()).build())
    s = np.array([sum(10.0 + i for i in range(4)), sum(30.0 + i for i in range(4))])
    np.testing.assert_allclose(by_sales.X_media.values[0, 0, :, 0], 8.0 * s / s.sum())


def test_auxiliary_variables_are_loaded(national):
    df = frame(*[[r] for r in national.to_dict("records")], rows("Population", 5e6, weeks(10)))
    p = load_mff(df, T.SIMPLE.replace(auxiliary_variables=["Population"]))
    np.testing.assert_allclose(p.auxiliary.sel(variable="Population").values, 5e6)
    assert load_mff(national, T.SIMPLE).auxiliary is None


def test_model_fields_are_carried(national):
    """Model-side fields set on the MFF's channels/controls arrive unchanged in the panel's config (what the model reads)."""
    cfg = test_config._mff()
    ch = cfg.media_channels[0].replace(name="TV", spend_variable=None, unit="currency", split_by=[], dimensions=None)
    ctrl = cfg.controls[0].replace(name="Price", aggregation="mean", weight_variable=None, dimensions=None)
    mff = T.SIMPLE.replace(media_channels=[ch, T.SIMPLE.media_channels[1]], controls=[ctrl])
    p = load_mff(national, mff)
    assert p.config.media_channels[0].adstock == ch.adstock and p.config.controls[0].prior == ctrl.prior
    assert C.MFFConfig.from_json(p.to_xarray().attrs["mff_config"]) == mff
