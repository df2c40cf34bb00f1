"""MFF loading: every validation error, the alignment rules, fill policies, formats and converters."""
import warnings

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from conftest import COLS, frame, rows, weeks
from mmm_framework.builders import (ControlVariableConfigBuilder, DimensionAlignmentConfigBuilder, KPIConfigBuilder,
                                    MediaChannelConfigBuilder, MFFConfigBuilder, create_simple_mff_config)
from mmm_framework.config import MFFConfig
from mmm_framework.data_loader import (MFFDataWarning, MFFLoader, MFFValidationError, PanelDataset, load_mff,
                                       mff_from_wide_format, panel_to_mff)

SIMPLE = create_simple_mff_config("Sales", ["TV", "Search"], ["Price"], frequency="W")


def problems(df, cfg=SIMPLE, **kw):
    with pytest.raises(MFFValidationError) as e:
        load_mff(df, cfg, **kw)
    return e.value.problems


def one_problem(df, cfg=SIMPLE, contains=""):
    p = problems(df, cfg)
    assert len(p) == 1, p
    assert contains in p[0], p[0]
    return p[0]


# ---------------------------------------------------------------- happy path


def test_national_load(national):
    p = load_mff(national, SIMPLE)
    assert isinstance(p, PanelDataset) and p.is_national
    assert (p.n_periods, p.channel_names, p.control_names) == (10, ["TV", "Search"], ["Price"])
    assert p.y.dims == ("date", "geo", "product") and p.X_media.dims == ("date", "geo", "product", "channel")
    np.testing.assert_allclose(p.y.values[:, 0, 0], 100 + 3 * np.arange(10))
    np.testing.assert_allclose(p.X_media.sel(channel="TV").values[:, 0, 0], 10.0 * (np.arange(10) % 3))
    assert p.frequency == "W" and list(p.coords["geo"]) == ["All"]


def test_frequency_inferred_and_logged(national):
    p = load_mff(national, SIMPLE.replace(frequency=None))
    assert p.frequency == "W" and any("frequency inferred" in m for m in p.log)


def test_loader_chain_and_seed_api(national, tmp_path):
    path = tmp_path / "d.csv"
    national.to_csv(path, index=False)
    loader = MFFLoader(config=SIMPLE)
    data = loader.load(str(path))
    assert data is loader and data.build_panel().n_periods == 10
    with pytest.raises(RuntimeError, match="call MFFLoader"):
        MFFLoader(SIMPLE).build_panel()


@pytest.mark.parametrize("fmt", ["csv", "csv.gz", "parquet"])
def test_file_formats_give_identical_panels(national, tmp_path, fmt):
    path = tmp_path / f"d.{fmt}"
    national.to_parquet(path) if fmt == "parquet" else national.to_csv(path, index=False)
    a, b = load_mff(path, SIMPLE), load_mff(national, SIMPLE)
    for k in ("y", "X_media", "spend", "X_controls"):
        np.testing.assert_allclose(getattr(a, k).values, getattr(b, k).values)


def test_csv_separator_decimal_thousands_and_encoding_are_read(national, tmp_path):
    "A European CSV (';', decimal comma, '.' thousands, latin-1): each parsing option changes what loads, or is inferred and said."
    from mmm_framework.config import MFFColumnConfig
    want = load_mff(national, SIMPLE)
    big = national.assign(VariableValue=national.VariableValue * 1000)  # values >= 1,000 so a thousands mark appears
    eu = big.assign(VariableValue=[f"{v:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".") for v in big.VariableValue],
                    Geography="Zürich")
    path = tmp_path / "eu.csv"
    path.write_bytes(eu.to_csv(index=False, sep=";").encode("latin-1"))
    cols = dict(delimiter=";", decimal=",", thousands=".", encoding="latin-1")
    p = load_mff(path, SIMPLE.replace(columns=MFFColumnConfig(**cols)))
    np.testing.assert_allclose(p.y.values, want.y.values * 1000)
    assert list(p.coords["geo"]) == ["Zürich"]  # decoded as latin-1
    with pytest.raises(MFFValidationError, match="encoding='latin-1'"):  # the default, UTF-8, names the fix
        load_mff(path, SIMPLE.replace(columns=MFFColumnConfig(**{**cols, "encoding": "utf-8"})))
    with pytest.raises(MFFValidationError):  # without the thousands mark, '100.000,00' is not a number
        load_mff(path, SIMPLE.replace(columns=MFFColumnConfig(**{**cols, "thousands": None})))
    # inferred when not given: the separator from the header, the decimal comma from the values (said in the notes)
    plain = national.assign(VariableValue=[f"{v:.2f}".replace(".", ",") for v in national.VariableValue])
    (tmp_path / "semi.csv").write_text(plain.to_csv(index=False, sep=";"))
    from mmm_framework.data_loader import read_mff
    df, _ = read_mff(tmp_path / "semi.csv")
    assert any("';'" in n for n in df.attrs["read_notes"]) and any("decimal comma" in n for n in df.attrs["read_notes"])
    np.testing.assert_allclose(load_mff(tmp_path / "semi.csv", SIMPLE).y.values, want.y.values)
    with pytest.raises(MFFValidationError):  # a separator that is not the file's is honoured, not second-guessed
        load_mff(tmp_path / "semi.csv", SIMPLE.replace(columns=MFFColumnConfig(delimiter="|")))


def test_unsupported_extension(tmp_path):
    (tmp_path / "d.xlsx").write_text("x")
    with pytest.raises(ValueError, match=r"\.csv .* or \.parquet"):
        load_mff(tmp_path / "d.xlsx", SIMPLE)


def test_custom_columns_and_date_format(national):
    df = national.rename(columns={"Period": "Week", "VariableName": "Var", "VariableValue": "Val"})
    df["Week"] = pd.to_datetime(df["Week"]).dt.strftime("%d/%m/%Y")
    cfg = create_simple_mff_config("Sales", ["TV", "Search"], ["Price"], period="Week", variable_name="Var", variable_value="Val",
                                   date_format="%d/%m/%Y")
    assert load_mff(df, cfg).n_periods == 10


def test_absent_optional_dimension_columns_are_fine_and_logged(national):
    p = load_mff(national.drop(columns=["Campaign", "Outlet", "Creative"]), SIMPLE)
    assert any("not in the file" in m for m in p.log)


# ---------------------------------------------------------------- validation errors


def test_missing_required_column(national):
    one_problem(national.drop(columns=["VariableValue"]), contains="column 'VariableValue' not found")


def test_misnamed_column_suggested(national):
    p = one_problem(national.rename(columns={"Geography": "geography"}), contains="did you mean 'geography'")
    assert "MFFColumnConfig(geography=" in p


def test_configured_variable_absent_with_suggestion(national):
    one_problem(national.replace({"VariableName": {"Search": "Serch"}}), contains="media variable 'Search' is not in the file (did you mean 'Serch'?)")


def test_unparseable_date_deep_in_file(national):
    df = pd.concat([national] * 1, ignore_index=True)
    df.loc[37, "Period"] = "2024-02-31"
    p = one_problem(df, contains="unparseable 'Period' at row 37")
    assert "2024-02-31" in p


def test_unparseable_date_reports_file_line(national, tmp_path):
    national.loc[25, "Period"] = "next week"
    national.to_csv(tmp_path / "d.csv", index=False)
    with pytest.raises(MFFValidationError, match="at line 27"):
        load_mff(tmp_path / "d.csv", SIMPLE)


def test_non_numeric_values(national):
    national["VariableValue"] = national["VariableValue"].astype(object)
    national.loc[12, "VariableValue"] = "1,200"
    national.loc[13, "VariableValue"] = "$5"
    one_problem(national, contains="2 non-numeric value(s) in 'VariableValue' at rows 12, 13")


def test_non_numeric_in_csv(national, tmp_path):
    national["VariableValue"] = national["VariableValue"].astype(object)
    national.loc[3, "VariableValue"] = "n/a?"
    national.to_csv(tmp_path / "d.csv", index=False)
    with pytest.raises(MFFValidationError, match="non-numeric value.*line 5"):
        load_mff(tmp_path / "d.csv", SIMPLE)


def test_infinite_values(national):
    national.loc[15, "VariableValue"] = np.inf
    one_problem(national, contains="1 infinite value(s) at row 15")


def test_duplicate_keys(national):
    df = pd.concat([national, national.iloc[[3, 4]]], ignore_index=True)
    one_problem(df, contains="4 rows share a (period, dimensions, variable) key")


def test_negative_media_and_spend():
    d = weeks(6)
    df = frame(rows("Sales", lambda i: 10.0 + i, d), rows("TV", [1, 2, -3, 4, 5, 6], d), rows("TV_spend", [1, -2, 3, 4, 5, 6], d))
    cfg = MFFConfigBuilder().with_kpi("Sales").add_media(MediaChannelConfigBuilder("TV").with_spend_variable("TV_spend")).build()
    p = problems(df, cfg)
    assert len(p) == 2 and "media variable 'TV' has 1 negative" in p[0] and "spend variable 'TV_spend' has 1 negative" in p[1]


def test_missing_kpi_values(national):
    national.loc[national.VariableName.eq("Sales").idxmax(), "VariableValue"] = np.nan
    one_problem(national, contains="KPI 'Sales' is missing for 1 of 10")


def test_missing_kpi_rows_in_a_geo():
    d = weeks(5)
    df = frame(rows("Sales", 10.0, d, geo="A"), rows("Sales", lambda i: 5.0 + i, d[:3], geo="B"), rows("TV", 1.0, d, geo="A"),
               rows("TV", 1.0, d, geo="B"))
    one_problem(df, create_simple_mff_config("Sales", ["TV"]), contains="missing for 2 of 10")


def test_gap_in_periods(national):
    gone = weeks(10)[4]
    one_problem(national[national.Period != gone], contains="1 week(s) missing from the period grid: gaps after 2024-01-22")


def test_mixed_daily_and_weekly():
    d = weeks(6) + ["2024-01-03", "2024-01-04"]
    df = frame(rows("Sales", lambda i: 10.0 + i, d), rows("TV", 1.0, d))
    one_problem(df, create_simple_mff_config("Sales", ["TV"]), contains="not on a regular grid")


def test_declared_frequency_mismatch():
    d = list(pd.date_range("2024-01-01", periods=8, freq="D").strftime("%Y-%m-%d"))
    df = frame(rows("Sales", lambda i: 10.0 + i, d), rows("TV", 1.0, d))
    one_problem(df, create_simple_mff_config("Sales", ["TV"], frequency="W"), contains="off the weekly grid")


def test_media_on_other_weekday_inside_range():
    d = weeks(6)
    other = list(pd.date_range("2024-01-03", periods=4, freq="W-WED").strftime("%Y-%m-%d"))
    df = frame(rows("Sales", lambda i: 10.0 + i, d), rows("TV", 1.0, other))
    assert any("not KPI periods" in p for p in problems(df, create_simple_mff_config("Sales", ["TV"])))


def test_empty_file(tmp_path):
    (tmp_path / "e.csv").write_text("")
    with pytest.raises(MFFValidationError, match="empty"):
        load_mff(tmp_path / "e.csv", SIMPLE)
    (tmp_path / "h.csv").write_text(",".join(COLS) + "\n")
    with pytest.raises(MFFValidationError, match="header but no rows"):
        load_mff(tmp_path / "h.csv", SIMPLE)


def test_constant_kpi(national):
    national.loc[national.VariableName == "Sales", "VariableValue"] = 5.0
    one_problem(national, contains="constant")


def test_blank_variable_name(national):
    national.loc[5, "VariableName"] = None
    assert any("without a 'VariableName' at row 5" in p for p in problems(national))


def test_missing_control_values_are_errors(national):
    national.loc[national.VariableName.eq("Price").idxmax(), "VariableValue"] = np.nan
    one_problem(national, contains="control 'Price' is missing for 1 of 10")


def test_all_problems_reported_together(national):
    df = national.copy()
    df["VariableValue"] = df["VariableValue"].astype(object)
    df.loc[2, "Period"] = "not a date"
    df.loc[11, "VariableValue"] = "abc"
    df.loc[12, "VariableValue"] = np.inf
    df = df[df.VariableName != "Price"]
    df = pd.concat([df, df.iloc[[20]]], ignore_index=True)
    p = problems(df)
    kinds = ["non-numeric", "infinite", "unparseable", "'Price' is not in the file", "share a (period"]
    assert all(any(k in x for x in p) for k in kinds), p
    msg = str(MFFValidationError(p))
    assert f"with {len(p)} problem(s)" in msg


def test_unknown_geo_in_media():
    d = weeks(4)
    df = frame(rows("Sales", lambda i: 10.0 + i, d, geo="A"), rows("Sales", lambda i: 3.0 + i, d, geo="B"),
               rows("TV", 1.0, d, geo="A"), rows("TV", 1.0, d, geo="C"))
    one_problem(df, create_simple_mff_config("Sales", ["TV"]), contains="geography value(s) ['C'] that the KPI does not have")


def test_mixed_level_variable():
    d = weeks(4)
    df = frame(rows("Sales", lambda i: 10.0 + i, d, geo="A"), rows("TV", 1.0, d[:2], geo="A"), rows("TV", 1.0, d[2:]))
    one_problem(df, create_simple_mff_config("Sales", ["TV"]), contains="rows with and without geography")


def test_declared_dimensions_must_match(national):
    cfg = MFFConfigBuilder().with_kpi("Sales").add_media(MediaChannelConfigBuilder("TV").by_geo(), "Search").add_control("Price").build()
    one_problem(national, cfg, contains="declared with geography but the file has it without")


# ---------------------------------------------------------------- warnings (load, but say so)


def test_extra_variables_and_columns_warn(national):
    df = national.copy()
    df = pd.concat([df, frame(rows("Weather", 1.0, weeks(10)))], ignore_index=True)
    df["Notes"] = "x"
    with pytest.warns(MFFDataWarning) as rec:
        p = load_mff(df, SIMPLE)
    msgs = [str(w.message) for w in rec]
    assert any("['Weather']" in m for m in msgs) and any("['Notes']" in m for m in msgs)
    assert any("Weather" in m for m in p.log)


def test_rows_outside_kpi_range_warn_and_count(national):
    extra = frame(rows("TV", 7.0, weeks(3, start="2023-12-11")))
    with pytest.warns(MFFDataWarning, match=r"3 row\(s\) of \['TV'\] are dated outside"):
        load_mff(pd.concat([extra, national], ignore_index=True), SIMPLE)


# ---------------------------------------------------------------- missing media policy


def _gappy():
    d = weeks(6)
    tv = rows("TV", [2.0, 4.0, 6.0, 8.0, 10.0, 12.0], d)
    del tv[2], tv[2]  # weeks 3 and 4 absent
    return frame(rows("Sales", lambda i: 10.0 + i, d), tv)


def test_missing_media_zero_fill_warns_with_count():
    with pytest.warns(MFFDataWarning, match="2 of 6 cells absent from the file were filled"):
        p = load_mff(_gappy(), create_simple_mff_config("Sales", ["TV"]))
    np.testing.assert_allclose(p.X_media.values.ravel(), [2, 4, 0, 0, 10, 12])


def test_missing_media_interpolate():
    cfg = create_simple_mff_config("Sales", ["TV"], alignment=DimensionAlignmentConfigBuilder().interpolate_missing_media().build())
    with pytest.warns(MFFDataWarning):
        p = load_mff(_gappy(), cfg)
    np.testing.assert_allclose(p.X_media.values.ravel(), [2, 4, 6, 8, 10, 12])


def test_missing_media_error_policy():
    cfg = create_simple_mff_config("Sales", ["TV"], alignment=DimensionAlignmentConfigBuilder().error_on_missing_media().build())
    one_problem(_gappy(), cfg, contains="missing 2 of 6 cells")


# ---------------------------------------------------------------- alignment


def _regional(n=6):
    d = weeks(n)
    return d, [rows("Sales", lambda i, k=k: 100.0 * k + i, d, geo=g) for k, g in ((3, "North"), (1, "South"))]


def _cfg_regional(alignment=None, **kw):
    b = (MFFConfigBuilder().with_kpi(KPIConfigBuilder("Sales").by_geo()).add_media(MediaChannelConfigBuilder("TV").national()))
    if alignment: b.with_alignment(alignment)
    return b.build()


def test_equal_split():
    d, kpi = _regional()
    p = load_mff(frame(*kpi, rows("TV", 10.0, d)), _cfg_regional())
    np.testing.assert_allclose(p.X_media.sel(channel="TV").values[..., 0], 5.0)


def test_population_split_and_time_varying_population_averaged():
    d, kpi = _regional()
    pop = rows("Population", 300.0, d[:1], geo="North") + rows("Population", lambda i: 100.0, d, geo="South")
    p = load_mff(frame(*kpi, rows("TV", 8.0, d), pop), _cfg_regional(DimensionAlignmentConfigBuilder().geo_by_population("Population")))
    np.testing.assert_allclose(p.X_media.sel(channel="TV", geo="North").values, 6.0)
    assert p.auxiliary is not None and "Population" in p.auxiliary["variable"].values


def test_population_missing_for_a_geo_is_an_error():
    d, kpi = _regional()
    p = problems(frame(*kpi, rows("TV", 8.0, d), rows("Population", 1.0, d, geo="North")),
                 _cfg_regional(DimensionAlignmentConfigBuilder().geo_by_population("Population")))
    assert any("no value for geography ['South']" in x for x in p)


def test_sales_share_split():
    d, kpi = _regional()
    p = load_mff(frame(*kpi, rows("TV", 10.0, d)), _cfg_regional(DimensionAlignmentConfigBuilder().geo_by_sales()))
    sales = np.array([sum(300.0 + i for i in range(6)), sum(100.0 + i for i in range(6))])
    np.testing.assert_allclose(p.X_media.sel(channel="TV").values[0, :, 0], 10.0 * sales / sales.sum())


def test_custom_split_by_keyword_and_by_config():
    d, kpi = _regional()
    df = frame(*kpi, rows("TV", 10.0, d))
    a = load_mff(df, _cfg_regional(), geo_weights={"North": 9, "South": 1})
    b = load_mff(df, _cfg_regional(DimensionAlignmentConfigBuilder().geo_custom({"North": 0.9, "South": 0.1})))
    np.testing.assert_allclose(a.X_media.values[0, :, 0, 0], [9.0, 1.0])
    np.testing.assert_allclose(a.X_media.values, b.X_media.values)
    assert problems(df, _cfg_regional(), geo_weights={"North": 1})[0].startswith("custom geo weights lack ['South']")


def test_split_conserves_totals_for_media_and_spend():
    d, kpi = _regional()
    df = frame(*kpi, rows("TV", lambda i: 3.0 * i, d), rows("TV_spend", lambda i: 100.0 + i, d))
    cfg = (MFFConfigBuilder().with_kpi(KPIConfigBuilder("Sales").by_geo())
           .add_media(MediaChannelConfigBuilder("TV").national().with_spend_variable("TV_spend")).build())
    p = load_mff(df, cfg, geo_weights={"North": 0.3, "South": 0.7})
    assert p.X_media.sum().item() == pytest.approx(sum(3.0 * i for i in range(6)))
    assert p.spend.sum().item() == pytest.approx(sum(100.0 + i for i in range(6)))


def test_finer_media_aggregated_to_national_kpi():
    d = weeks(5)
    df = frame(rows("Sales", lambda i: 50.0 + i, d), rows("TV", 2.0, d, geo="A"), rows("TV", 3.0, d, geo="B"))
    p = load_mff(df, create_simple_mff_config("Sales", ["TV"]))
    np.testing.assert_allclose(p.X_media.values.ravel(), 5.0)
    assert any("aggregated over 2 geos (sum)" in m for m in p.log)


def test_intensive_controls_copied_down_and_averaged_up():
    d, kpi = _regional()
    df = frame(*kpi, rows("TV", 1.0, d, geo="North"), rows("TV", 1.0, d, geo="South"), rows("Price", 9.99, d))
    p = load_mff(df, MFFConfigBuilder().with_kpi(KPIConfigBuilder("Sales").by_geo()).add_media("TV").add_control("Price").build())
    np.testing.assert_allclose(p.X_controls.values, 9.99)
    # national KPI, regional prices: mean; weighted by units: weighted mean
    d = weeks(4)
    df = frame(rows("Sales", lambda i: 10.0 + i, d), rows("TV", 1.0, d), rows("Price", 10.0, d, geo="A"), rows("Price", 20.0, d, geo="B"),
               rows("Units", 3.0, d, geo="A"), rows("Units", 1.0, d, geo="B"))
    mean = load_mff(df, create_simple_mff_config("Sales", ["TV"], ["Price"]))
    np.testing.assert_allclose(mean.X_controls.values, 15.0)
    cfg = MFFConfigBuilder().with_kpi("Sales").add_media("TV").add_control(ControlVariableConfigBuilder("Price").weighted_by("Units")).build()
    np.testing.assert_allclose(load_mff(df, cfg).X_controls.values, 12.5)


def test_summed_control_split_by_weights():
    d, kpi = _regional()
    df = frame(*kpi, rows("TV", 1.0, d), rows("Stores", 40.0, d))
    cfg = (MFFConfigBuilder().with_kpi(KPIConfigBuilder("Sales").by_geo()).add_media("TV")
           .add_control(ControlVariableConfigBuilder("Stores").summed()).build())
    np.testing.assert_allclose(load_mff(df, cfg, geo_weights={"North": 3, "South": 1}).X_controls.values[0, :, 0, 0], [30.0, 10.0])


def test_product_level_kpi_and_product_split():
    d = weeks(4)
    df = frame(rows("Sales", lambda i: 10.0 + i, d, product="P1"), rows("Sales", lambda i: 30.0 + i, d, product="P2"), rows("TV", 8.0, d))
    cfg = MFFConfigBuilder().with_kpi(KPIConfigBuilder("Sales").by_product()).add_media("TV") \
        .with_alignment(DimensionAlignmentConfigBuilder().product_custom({"P1": 1, "P2": 3})).build()
    p = load_mff(df, cfg)
    assert list(p.coords["product"]) == ["P1", "P2"] and list(p.coords["geo"]) == ["All"]
    np.testing.assert_allclose(p.X_media.values[0, 0, :, 0], [2.0, 6.0])


def test_outlet_split_becomes_channels_and_campaigns_summed():
    d = weeks(4)
    df = frame(rows("Sales", lambda i: 10.0 + i, d),
               rows("Social", 1.0, d, outlet="Meta", campaign="C1"), rows("Social", 2.0, d, outlet="Meta", campaign="C2"),
               rows("Social", 5.0, d, outlet="TikTok", campaign="C1"))
    split = MFFConfigBuilder().with_kpi("Sales").add_media(MediaChannelConfigBuilder("Social").split_by("outlet")).build()
    p = load_mff(df, split)
    assert p.channel_names == ["Social_Meta", "Social_TikTok"]
    np.testing.assert_allclose(p.X_media.sel(channel="Social_Meta").values, 3.0)
    assert list(p.channels["label"]) == ["Social (Meta)", "Social (TikTok)"]
    whole = load_mff(df, create_simple_mff_config("Sales", ["Social"]))
    np.testing.assert_allclose(whole.X_media.values, 8.0)
    assert any("summed over 3 campaign/outlet/creative cells" in m for m in whole.log)


def test_spend_must_cover_split_values():
    d = weeks(4)
    df = frame(rows("Sales", lambda i: 10.0 + i, d), rows("TV", 1.0, d, outlet="Linear"), rows("TV", 1.0, d, outlet="CTV"),
               rows("TV_spend", 1.0, d, outlet="Linear"))
    cfg = MFFConfigBuilder().with_kpi("Sales").add_media(MediaChannelConfigBuilder("TV").split_by("outlet").with_spend_variable("TV_spend")).build()
    assert any("lacks outlet value(s) ['CTV']" in p for p in problems(df, cfg))


def test_channel_metadata_carries_config_fields():
    d = weeks(4)
    df = frame(rows("Sales", lambda i: 10.0 + i, d), rows("TV", 1.0, d), rows("TV_spend", 50.0, d), rows("Search", 2.0, d))
    cfg = (MFFConfigBuilder().with_kpi(KPIConfigBuilder("Sales").with_unit("EUR"))
           .add_media(MediaChannelConfigBuilder("TV").with_spend_variable("TV_spend", unit="grps").with_display_name("Television")
                      .with_weibull_adstock(10).with_hill_saturation(), "Search").build())
    p = load_mff(df, cfg)
    tv = p.channels.set_index("channel").loc["TV"]
    assert (tv.unit, tv.spend_variable, tv.label, tv.adstock, tv.saturation) == ("grps", "TV_spend", "Television", "weibull_cdf(l_max=10)", "hill")
    np.testing.assert_allclose(p.spend.sel(channel="TV").values, 50.0)
    assert p.summary().loc["Sales", "unit"] == "EUR" and p.config is cfg


# ---------------------------------------------------------------- panel object and converters


def test_panel_xarray_round_trip_via_netcdf(national, tmp_path):
    p = load_mff(national, SIMPLE)
    ds = p.to_xarray()
    ds.to_netcdf(tmp_path / "p.nc")
    q = PanelDataset.from_xarray(xr.load_dataset(tmp_path / "p.nc"))
    for k in ("y", "X_media", "spend", "X_controls"):
        xr.testing.assert_allclose(getattr(p, k), getattr(q, k))
    assert q.config == p.config and q.log == p.log and q.frequency == p.frequency


def test_summary_and_repr(national):
    p = load_mff(national, SIMPLE)
    s = p.summary()
    assert list(s.index) == ["Sales", "TV", "Search", "Price"]
    assert s.loc["TV", "share_zero"] == pytest.approx(4 / 10) and s.loc["Sales", "mean"] == pytest.approx(100 + 3 * 4.5)
    h = p._repr_html_()
    assert "10 weekly periods" in h and "Alignment log" in h and "PanelDataset(10 weekly" in repr(p)


def test_panel_to_mff_round_trip_regional():
    d, kpi = _regional()
    df = frame(*kpi, rows("TV", lambda i: 1.0 + i, d), rows("TV_spend", 40.0, d), rows("Price", 9.0, d, geo="North"), rows("Price", 8.0, d, geo="South"))
    cfg = (MFFConfigBuilder().with_kpi(KPIConfigBuilder("Sales").by_geo())
           .add_media(MediaChannelConfigBuilder("TV").national().with_spend_variable("TV_spend")).add_control("Price").build())
    p = load_mff(df, cfg, geo_weights={"North": 2, "South": 1})
    flat, flat_cfg = panel_to_mff(p, return_config=True)
    q = load_mff(flat, flat_cfg)
    for k in ("y", "X_media", "spend", "X_controls"):
        np.testing.assert_allclose(getattr(q, k).values, getattr(p, k).values)
    assert flat.Geography.notna().all()


def test_mff_from_wide_format_is_loadable():
    wide = pd.DataFrame({"Week": weeks(6), "Sales": np.arange(6) + 10.0, "TV": [0, 1, 0, 1, 0, 1.0], "Search": 2.0, "Price": 9.0})
    long = mff_from_wide_format(wide, period="Week")
    assert len(long) == 6 * 4
    p = load_mff(long, SIMPLE)
    np.testing.assert_allclose(p.X_media.sel(channel="TV").values.ravel(), [0, 1, 0, 1, 0, 1])
    with pytest.raises(KeyError, match="not in the wide frame"):
        mff_from_wide_format(wide, period="Date")


def test_daily_and_monthly_panels():
    for freq, pfreq in (("D", "D"), ("M", "MS")):
        d = list(pd.date_range("2024-01-01", periods=9, freq=pfreq).strftime("%Y-%m-%d"))
        p = load_mff(frame(rows("Sales", lambda i: 10.0 + i, d), rows("TV", 1.0, d)), create_simple_mff_config("Sales", ["TV"]))
        assert p.frequency == freq and p.n_periods == 9


def test_outside_range_warning_counts_only_rows_before_or_after(national):
    gone = weeks(10)[5]
    df = national[~((national.VariableName == "Sales") & (national.Period == gone))]
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        p = problems(df)
    assert not any("dated outside" in str(w.message) for w in rec)
    assert any("1 week(s) missing from the period grid" in x for x in p) and any("not KPI periods" in x for x in p)


def test_display_names_reach_the_summary(national):
    cfg = (MFFConfigBuilder().with_kpi(KPIConfigBuilder("Sales").with_display_name("Net sales"))
           .add_media(MediaChannelConfigBuilder("TV").with_display_name("Television"), "Search")
           .add_control(ControlVariableConfigBuilder("Price").with_display_name("Shelf price")).build())
    s = load_mff(national, cfg).summary()
    assert list(s["label"]) == ["Net sales", "Television", "Search", "Shelf price"]


def test_datetime_periods_and_custom_index_labels(national):
    df = national.copy()
    df["Period"] = pd.to_datetime(df["Period"])
    assert load_mff(df, SIMPLE).n_periods == 10
    df.index = [f"r{i}" for i in range(len(df))]
    df.loc["r17", "VariableValue"] = -1.0  # a TV row
    one_problem(df, contains="negative value(s) at row r17")
