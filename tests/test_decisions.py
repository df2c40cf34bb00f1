"""Decisions from a fitted model (analysis + optimization): scenario arithmetic that must hold exactly, carry-over
counted after a window, per-geo curves adding up to the total, errors that name the fix, and the budget optimizer
against random feasible plans and its own alternative objectives. Fits are small; their numbers are not judged."""
import warnings

import numpy as np
import pytest

from mmm_framework.builders import ModelConfigBuilder
from mmm_framework.data_loader import load_mff
from mmm_framework.datasets import simulate_mmm
from mmm_framework.model import BayesianMMM, ConvergenceWarning
from mmm_framework.optimization import BudgetError, BudgetPlanner


def _fit(panel, **cfg):
    m = BayesianMMM(panel, ModelConfigBuilder().with_kpi("Sales").with_mcmc(draws=100, tune=150, chains=2).with_seed(5).build().replace(**cfg))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        m.fit()
    return m


@pytest.fixture(scope="module")
def geo():
    df, truth = simulate_mmm(n_periods=52, n_geos=3, channels=("TV", "Search"), national_channels=("TV",), seed=4)
    return _fit(load_mff(df, truth.config))


@pytest.fixture(scope="module")
def mult():
    df, truth = simulate_mmm(n_periods=52, channels=("TV", "Search"), seed=6)
    return _fit(load_mff(df, truth.config), specification="multiplicative")


def test_per_series_curves_add_up_to_the_total(geo):
    tot = geo.response_curves(multipliers=[0.5, 1, 2], max_draws=80)
    per = geo.response_curves(multipliers=[0.5, 1, 2], by_series=True, max_draws=80)
    summed = per.groupby(["channel", "multiplier"])[["mean", "media", "spend"]].sum()
    tot = tot.set_index(["channel", "multiplier"]).loc[summed.index]
    np.testing.assert_allclose(summed["mean"].values, tot["mean"].values, rtol=1e-9)
    np.testing.assert_allclose(summed["spend"].values, tot["spend"].values, rtol=1e-9)
    assert set(per.series) == set(geo.data.series)


def test_switching_a_channel_off_loses_exactly_its_contribution_multiplicative(mult):
    sc = mult.what_if_scenario({"TV": 0.0}, max_draws=80)
    assert sc.loc["TV", "scenario"] == pytest.approx(0.0, abs=1e-9)
    assert sc.loc["total", "change"] == pytest.approx(-sc.loc["TV", "baseline"], rel=1e-6)
    # in a log-link model the other channel's contribution shrinks when TV goes (effects multiply)
    assert sc.loc["Search", "change"] < 0


def test_carry_over_after_the_window_is_counted(geo):
    pr, fr = geo.posterior_response(80), geo.history_frame(("2023-03-01", "2023-04-30"))
    x = fr.x.copy(); x[fr.win, :, 1] *= 1.5
    diff = (pr.kpi(fr.dates, x, fr.z) - pr.kpi(fr.dates, fr.x, fr.z)).mean(0).sum(1)  # (date,)
    assert abs(diff[: fr.win.start]).max() < 1e-9           # nothing changes before the window
    assert diff[fr.win.stop:].sum() > 0                     # the extra Search keeps working after it
    sc = geo.what_if_scenario({"Search": 1.5}, period=("2023-03-01", "2023-04-30"), max_draws=80)
    assert sc.loc["total", "change"] == pytest.approx(diff[fr.win.start:].sum(), rel=1e-6)


def test_scenario_inputs_are_checked(geo):
    n = geo.history_frame(("2023-03-01", "2023-04-30"))
    with pytest.raises(ValueError, match="unknown channels"):
        geo.what_if_scenario({"Radio": 2.0})
    with pytest.raises(ValueError, match="values per series"):
        geo.what_if_scenario({"TV": np.ones(5)}, period=("2023-03-01", "2023-04-30"))
    with pytest.raises(ValueError, match=">= 0"):
        geo.what_if_scenario({"TV": -1.0})
    new = np.full((n.win.stop - n.win.start, 3), 10.0)
    sc = geo.what_if_scenario({"Search": new}, period=("2023-03-01", "2023-04-30"), max_draws=80)
    assert np.isfinite(sc.loc["total", "change"])


def test_marginal_roi_and_budgets_need_spend():
    rng = np.random.default_rng(0)
    x = rng.gamma(2.0, 1.0, (60, 2)); y = 10 + x @ np.array([1.0, 0.5]) + rng.normal(0, 0.3, 60)
    m = BayesianMMM(x, y, ["A", "B"], ModelConfigBuilder().with_kpi("y").with_mcmc(draws=50, tune=50, chains=1).build(),
                    spend=np.full_like(x, np.nan))  # spend unknown
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.fit()
    with pytest.raises(ValueError, match="no spend variable"):
        m.marginal_roi()
    with pytest.raises(ValueError, match="no spend variable"):
        BudgetPlanner(m)
    assert len(m.response_curves(multipliers=[0, 1], max_draws=20)) == 4  # curves still work in media units


def test_forecast_checks_the_plan(geo):
    with pytest.raises(ValueError, match="channels"):
        geo.forecast(np.ones((4, 3, 5)))
    with pytest.raises(ValueError, match="negative"):
        geo.forecast(-np.ones((4, 3, 2)))
    fc = geo.forecast(np.ones((4, 3, 2)) * geo.data.x.mean(0), max_draws=80)
    assert len(fc) == 4 and fc.attrs["total"]["hdi_low"] <= fc.attrs["total"]["mean"] <= fc.attrs["total"]["hdi_high"]


@pytest.fixture(scope="module")
def planner(geo):
    return BudgetPlanner(geo, n_periods=8, by_series=True, max_draws=80)


def test_optimum_beats_random_feasible_plans(planner):
    lo, hi = planner.bounds_for()
    B = planner.ref_spend.sum()
    opt = planner.optimize()
    best = planner.value_and_grad(opt.allocation.optimal_spend.values)[0]
    rng = np.random.default_rng(1)
    tried = 0
    while tried < 200:  # random points of the feasible polytope (bounds + budget)
        s = lo + rng.dirichlet(np.ones(len(lo))) * (B - lo.sum())
        if (s <= hi).all():
            tried += 1
            assert planner.value_and_grad(s)[0] <= best + 1e-6 * abs(best)
    assert opt.lift.loc["lift", "mean"] >= -1e-9 * abs(opt.lift.loc["reference", "mean"])
    assert len(opt.allocation) == 6 and opt.media_plan.shape == (8, 3, 2)


def test_optimizer_says_each_stage_and_clears_its_line(geo):
    lines = []
    plan = geo.optimize_budget(n_periods=8, max_draws=60, progress=lines.append)
    assert lines[0].startswith("Budget plan: compiling") and any("optimising 2 spends (1 evaluations)" in x for x in lines)
    assert any(x.startswith("Budget plan: intervals") for x in lines) and lines[-1] == ""  # the stage line clears at the end
    assert len(plan.allocation) == 2
    lines.clear()
    with pytest.raises(BudgetError):
        BudgetPlanner(geo, n_periods=8, max_draws=60, progress=lines.append).budget_for_target(1e9)
    assert lines[-1] == ""  # cleared on an error too


def test_bounds_locks_and_infeasible_budgets(planner):
    B = planner.ref_spend.sum()
    res = planner.optimize(bounds={"TV": (0.9, 1.1)}, locked=["Search"])
    a = res.allocation
    search = a.index.str.endswith("|Search")
    np.testing.assert_allclose(a.loc[search, "optimal_spend"], planner.ref_spend[search], rtol=1e-9)
    tv = a.loc[~search]
    assert (tv.optimal_spend >= 0.9 * tv.reference_spend - 1e-6).all() and (tv.optimal_spend <= 1.1 * tv.reference_spend + 1e-6).all()
    near = lambda side: np.isclose(a.optimal_spend, a[side], rtol=1e-5) & (a.lower < a.upper)  # a locked unit has no bound to hit
    assert (a.at_bound == np.where(near("upper"), "upper", np.where(near("lower"), "lower", ""))).all(), a.at_bound
    assert (a.loc[search, "at_bound"] == "").all() and res.notes == [f"{n} ends at its {b} bound" for n, b in a.at_bound.items() if b]
    absb = planner.optimize(bounds=(0.0, 0.4 * B), kind="absolute")
    assert (absb.allocation.optimal_spend <= 0.4 * B + 1e-6).all()
    with pytest.raises(BudgetError, match="outside what the bounds allow"):
        planner.optimize(budget=3 * B)
    with pytest.raises(ValueError, match="not channels"):
        planner.optimize(locked=["Radio"])


def test_each_objective_wins_on_its_own_terms(planner):
    m, c = planner.optimize(objective="mean"), planner.optimize(objective="cvar", q=0.2)
    sm, sc = m.allocation.optimal_spend.values, c.allocation.optimal_spend.values
    vm = lambda s: planner.value_and_grad(s, "mean")[0]
    vc = lambda s: planner.value_and_grad(s, "cvar", 0.2)[0]
    assert vm(sm) >= vm(sc) - 1e-6 * abs(vm(sm))
    assert vc(sc) >= vc(sm) - 1e-4 * abs(vc(sc))


def test_budget_for_a_target_marginal_roi(geo):
    p = BudgetPlanner(geo, n_periods=8, max_draws=80)
    zero = p.draws_kpi(np.zeros(2)).mean()
    lo_b = p.optimize(budget=0.5 * p.ref_spend.sum(), bounds=(0.1, 3.0))
    hi_b = p.optimize(budget=2.0 * p.ref_spend.sum(), bounds=(0.1, 3.0))
    m_lo = p._plan_roi(lo_b.allocation.optimal_spend.values, "marginal_roi", "mean", 0.2, zero)
    m_hi = p._plan_roi(hi_b.allocation.optimal_spend.values, "marginal_roi", "mean", 0.2, zero)
    assert m_lo > m_hi  # diminishing returns
    target = 0.5 * (m_lo + m_hi)
    res = p.budget_for_target(target, kind="marginal_roi", bounds=(0.1, 3.0))
    got = p._plan_roi(res.allocation.optimal_spend.values, "marginal_roi", "mean", 0.2, zero)
    assert got == pytest.approx(target, rel=0.05)
    assert 0.5 * p.ref_spend.sum() < res.budget < 2.0 * p.ref_spend.sum()


# ------------------------------------------------------------- the allocation core against closed-form optima

from mmm_framework.optimization import allocate  # noqa: E402


@pytest.mark.parametrize("a,budget,lo,hi", [
    ([1.0, 1.0, 1.0, 1.0], 100.0, [0] * 4, [100] * 4),          # identical channels: an even split
    ([1.0, 2.0, 3.0, 0.5], 70.0, [0] * 4, [70] * 4),            # sqrt response: spend proportional to a^2
    ([2.0, 1.0, 0.0], 50.0, [0, 0, 7], [50, 50, 50]),           # a channel without effect sits at its lower bound
])
def test_allocate_finds_the_sqrt_optimum(a, budget, lo, hi):
    a, lo, hi = np.array(a), np.array(lo, float), np.array(hi, float)
    f = lambda s: ((a * np.sqrt(s)).sum(), a * 0.5 / np.sqrt(np.maximum(s, 1e-12)))
    x = allocate(f, budget, lo, hi)
    free = budget - lo[a == 0].sum()
    want = np.where(a == 0, lo, free * a ** 2 / (a ** 2).sum())
    np.testing.assert_allclose(x, want, rtol=1e-3, atol=1e-3 * budget)


def test_allocate_respects_binding_bounds_and_reports_infeasible_budgets():
    f = lambda s: (np.log1p(s).sum(), 1 / (1 + s))  # concave, equal channels
    np.testing.assert_allclose(allocate(f, 150.0, [0, 0, 0], [20, 200, 200]), [20, 65, 65], rtol=1e-4)
    np.testing.assert_allclose(allocate(f, 90.0, [40, 0, 0], [200, 200, 200]), [40, 25, 25], rtol=1e-4)  # a floor binds
    from mmm_framework.optimization import BudgetError
    with pytest.raises(BudgetError, match=r"outside what the bounds allow: \[0.00, 420.00\]"):
        allocate(f, 500.0, [0, 0, 0], [20, 200, 200])
    with pytest.raises(BudgetError, match="lower bounds exceed upper"):
        allocate(f, 10.0, [5, 0], [1, 10])
