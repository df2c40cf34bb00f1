"""The functions that read a fit compile under `model.ANALYSIS_MODE` (FAST_COMPILE by default: compiling, not evaluating,
is their cost). Numba, PyTensor's default, must give the same numbers: every derived quantity, prediction, curve, what-if,
ROI, budget plan and refit prior ratio is computed under both on the same fit and compared (only rounding may differ)."""
import numpy as np
import pandas as pd
import pytest

import mmm_framework.model as M
from conftest import tiny_geo_fit_path


def _numbers(mmm) -> dict:
    "Everything a user reads off a fit, each from a fresh model so no compiled function is shared between modes."
    res = mmm.results
    d = mmm.data
    return {
        "derived": res.derived()[["mu", "channel_contribution", "trend_component"]],
        "roi": mmm.compute_roi(),
        "predict": mmm.predict(d.x[-8:], d.z[-8:], random_seed=0)[["mean", "mean_hdi_low", "mean_hdi_high"]],
        "curves": mmm.response_curves(multipliers=[0.0, 0.5, 1.0, 2.0], max_draws=60),
        "marginal": mmm.marginal_roi(max_draws=60),
        "adstock": mmm.adstock_curves(max_draws=60),
        "what_if": mmm.what_if_scenario({"TV": 1.5}, max_draws=60),
        "plan": mmm.optimize_budget(n_periods=8, max_draws=60, progress=False).allocation,
        "log_lik": __import__("mmm_framework.jobs", fromlist=["x"]).log_likelihood_kpi(mmm),
        "prior_ratio": pd.DataFrame({"log_ratio": M._log_prior_ratio(mmm.with_config(mmm.model_config.replace(
            noise_prior={"distribution": "half_normal", "params": {"sigma": 0.4}})), mmm, res.posterior).ravel()}),
    }


@pytest.mark.slow  # slow: every analysis function compiled under Numba
def test_fast_compile_and_numba_agree(monkeypatch):
    assert M.ANALYSIS_MODE == "FAST_COMPILE" and M.analysis_compile_kwargs() == {"mode": "FAST_COMPILE"}
    fast = _numbers(M.BayesianMMM.load(tiny_geo_fit_path()))
    monkeypatch.setattr(M, "ANALYSIS_MODE", "NUMBA")
    assert M.analysis_compile_kwargs() == {"mode": "NUMBA"}
    numba = _numbers(M.BayesianMMM.load(tiny_geo_fit_path()))
    for k in fast:
        a, b = fast[k], numba[k]
        if isinstance(a, pd.DataFrame):
            num = a.select_dtypes("number").columns
            assert list(num) == list(b.select_dtypes("number").columns) and len(num), k
            # rounding only: the optimizer stops on a tolerance, so its spends agree to its own tolerance (1e-6 of the budget)
            tol = dict(rtol=1e-4, atol=1e-6 * float(a["optimal_spend"].sum())) if k == "plan" else dict(rtol=1e-7, atol=1e-9)
            np.testing.assert_allclose(a[num].to_numpy(float), b[num].to_numpy(float), err_msg=k, **tol)
        else:
            for v in (a.data_vars if hasattr(a, "data_vars") else [None]):
                x, y = (a[v], b[v]) if v else (a, b)
                np.testing.assert_allclose(x.values, y.values, rtol=1e-7, atol=1e-9, err_msg=f"{k} {v}")
