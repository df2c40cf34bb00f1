"""Shared helpers: small MFF frames built row by row, so each test states exactly what the file holds."""
import functools
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

# identical seeded fits across tests (and the notebooks under `make test`) are made once and reloaded (BayesianMMM.fit)
os.environ.setdefault("MMM_FIT_CACHE", str(Path(__file__).parents[1] / ".cache" / "fits"))

COLS = ["Period", "Geography", "Product", "Campaign", "Outlet", "Creative", "VariableName", "VariableValue"]


def weeks(n=8, start="2024-01-01"):
    return list(pd.date_range(start, periods=n, freq="W-MON").strftime("%Y-%m-%d"))


def rows(var, values, dates, geo=None, product=None, campaign=None, outlet=None, creative=None):
    "MFF rows of one series; `values` is a scalar, a list over dates, or a callable(i)."
    out = []
    for i, d in enumerate(dates):
        v = values(i) if callable(values) else (values[i] if isinstance(values, (list, np.ndarray)) else values)
        out.append({"Period": d, "Geography": geo, "Product": product, "Campaign": campaign, "Outlet": outlet,
                    "Creative": creative, "VariableName": var, "VariableValue": v})
    return out


def frame(*row_lists):
    return pd.DataFrame([r for rl in row_lists for r in rl], columns=COLS)


@pytest.fixture
def national():
    "National weekly KPI with two media channels and a price control."
    d = weeks(10)
    return frame(rows("Sales", lambda i: 100.0 + 3 * i, d), rows("TV", lambda i: 10.0 * (i % 3), d),
                 rows("Search", lambda i: 5.0 + i, d), rows("Price", lambda i: 9.0 + 0.1 * i, d))


@functools.cache
def tiny_geo_fit_path():
    """A small fitted geo model (3 geos x 52 weeks x 2 channels), fitted once and kept on disk (netCDF + JSON) in the fit
    cache ($MMM_FIT_CACHE, keyed by the library's sources and installed packages), so UI tests and apps in other
    processes load the same fit in seconds."""
    import warnings

    import mmm_framework.model as M
    from mmm_framework.builders import ModelConfigBuilder
    from mmm_framework.data_loader import load_mff
    from mmm_framework.datasets import simulate_mmm
    df, truth = simulate_mmm(n_periods=52, n_geos=3, channels=("TV", "Search"), seed=5)
    mmm = M.BayesianMMM(load_mff(df, truth.config), ModelConfigBuilder().with_kpi("Sales").build())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", M.ConvergenceWarning)
        mmm.fit(draws=150, tune=150, chains=2, random_seed=1, nuts_sampler="nutpie")
    return mmm.results.cache_path


@pytest.fixture(scope="session")
def tiny_geo():
    from mmm_framework.model import BayesianMMM
    return BayesianMMM.load(tiny_geo_fit_path())


def require_chromium() -> str:
    "Path of Debian's chromium; in CI (CI or MMM_REQUIRE_BROWSER set) its absence fails the test, elsewhere it skips, saying why."
    import os
    import shutil
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path: return path
    if os.environ.get("CI") or os.environ.get("MMM_REQUIRE_BROWSER"):
        pytest.fail("chromium is required in CI (.ci/run installs Debian's chromium) but was not found")
    pytest.skip("headless Chromium is not installed on this machine (Debian: apt-get install chromium)")
