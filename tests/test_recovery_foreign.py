"""Data we did not simulate (tests/corpus.py): what the default priors imply before fitting, and a short recovery fit.
The full recovery fits (4 chains x (1000 + 1000), issue 19's bars per case) run in benchmarks/bench_recovery.py; their
committed rows are judged by tests/test_evidence.py."""
import warnings

import numpy as np
import pytest

from corpus import load_case
from mmm_framework.builders import ModelConfigBuilder
from mmm_framework.model import BayesianMMM


def test_recovery_smoke_on_a_foreign_case():
    """A short fit (2 chains x (300 + 300)) of the Hill-truth case: the full fits and their bars are evidence in
    benchmarks/ (tests/test_evidence.py); this keeps the path from corpus data to ROI intervals exercised in the suite.
    Every channel's ROI interval is finite and positive, holds its mean, and the true ROI lies inside it for at least half
    of the channels (the full fit covers all four)."""
    case = load_case("adv-hill")
    m = BayesianMMM(case.panel(), ModelConfigBuilder().with_kpi(case.kpi).build())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.fit(draws=300, tune=300, chains=2, random_seed=1, nuts_sampler="nutpie")
    roi = m.compute_roi(hdi_prob=0.9).reindex(case.channels)
    assert (roi.hdi_low > 0).all() and ((roi.hdi_low <= roi["mean"]) & (roi["mean"] <= roi.hdi_high)).all(), roi
    covered = (roi.hdi_low <= case.roi) & (case.roi <= roi.hdi_high)
    assert covered.mean() >= 0.5, roi.assign(true=case.roi)


@pytest.mark.parametrize("name", ["pmm-example", "mpr-small", "adv-geo-sizes"])
def test_default_priors_imply_a_kpi_band_near_the_data(name):
    """Before fitting, the default priors' 90% prior-predictive band of the KPI covers every observed period and stays within
    [-1x, 6x] the observed mean KPI (measured -0.41x..4.6x over the corpus, benchmarks/results/priors-defaults.txt; per-SD
    N(0, 1) control priors let PyMC-Marketing's one-week events swing the band to -23x..24x). 500 prior draws: the 5% / 95%
    quantiles move by a few percent between seeds, far inside the bounds."""
    case = load_case(name)
    m = BayesianMMM(case.panel(), ModelConfigBuilder().with_kpi(case.kpi).build())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = m.sample_prior_predictive(500, random_seed=0)["y"].sum("series").values  # (sample, date)
    obs = np.nansum(m.data.y, axis=1)
    lo, hi = np.quantile(y, [0.05, 0.95], axis=0)
    assert ((lo <= obs) & (obs <= hi)).all()
    assert lo.min() >= -1.0 * obs.mean() and hi.max() <= 6.0 * obs.mean(), (lo.min() / obs.mean(), hi.max() / obs.mean())
