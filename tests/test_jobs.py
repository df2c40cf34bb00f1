"""JobManager on a real local Dask cluster and on the process pool: a grid of fits, a worker killed mid-fit, an
exception in a fit, cancelling queued and running jobs, an existing scheduler by address, records read back by a
fresh process, and `mmm submit`."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from mmm_framework.config import ModelConfig
from mmm_framework.data_loader import load_mff
from mmm_framework.datasets import simulate_mmm
from mmm_framework.jobs import FINAL, JobError, JobManager

ROOT = Path(__file__).parents[1]
SMALL = dict(draws=100, tune=100, chains=1)
LONG = dict(draws=200_000, tune=100, chains=1)  # far longer than any test waits: it is killed or cancelled


@pytest.fixture(scope="module")
def data():
    df, truth = simulate_mmm(n_periods=40, channels=("TV", "Search"), seed=4)
    return df, truth.config, load_mff(df, truth.config)


def until(cond, timeout, what):
    t0 = time.perf_counter()
    while not cond():
        if time.perf_counter() - t0 > timeout: raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.2)


def sampling(job):
    "The job runs and its sampler has reported draws."
    return job.status == "running" and job.progress.get("draws_done", 0) > 0


def _raise_on_seven(fit):
    "A fit that fails on the worker when called with draws=7 (an exception inside the fit, as a sampler error would be)."
    def patched(self, *a, **kw):
        if kw.get("draws") == 7: raise FloatingPointError("synthetic sampler failure: non-finite gradient")
        return fit(self, *a, **kw)
    return patched


def _patch_workers():
    import mmm_framework.model as m
    if not getattr(m.BayesianMMM.fit, "_patched", False):
        m.BayesianMMM.fit = _raise_on_seven(m.BayesianMMM.fit); m.BayesianMMM.fit._patched = True


@pytest.mark.slow
def test_cluster_grid_faults_cancel_and_records(data, tmp_path):
    df, mff, panel = data
    base = ModelConfig(kpi="Sales")
    jm = JobManager(tmp_path / "jobs", n_workers=2)  # the embedded default: a local Dask cluster, started on submit
    try:
        a = jm.submit(base, panel, name="long-A", **LONG)
        b = jm.submit(base, panel, name="long-B", **LONG)
        until(lambda: sampling(a) and sampling(b), 180, "both long jobs to sample")
        grid = jm.submit_grid(base, {"g-logistic": {"saturation": {"type": "logistic"}}, "g-hill": {}, "g-lmax6": {"adstock": {"l_max": 6}}},
                              df, mff, holdout=6, seed=1, **SMALL)
        q = jm.submit(base, panel, name="queued", **SMALL)
        assert {j.status for j in grid + [q]} == {"queued"}  # both workers are busy
        assert q.cancel() and q.wait(30).status == "cancelled" and q.record["started_at"] is None  # never started

        os.kill(a.record["worker"]["pid"], signal.SIGKILL)  # the worker process dies mid-fit (as under the OOM killer)
        until(lambda: a.status in FINAL, 120, "the killed job to end")
        rec = a.record
        assert rec["state"] == "failed" and "worker process running this fit died" in rec["error"]["message"], rec["error"]
        assert b.cancel()  # running: its sampler is stopped on the worker
        until(lambda: b.status in FINAL, 60, "the cancelled running job to stop")
        assert b.status == "cancelled"

        jm.client.wait_for_workers(2, timeout=120)  # the nanny restarts the killed worker
        jm.client.run(_patch_workers)
        bad = jm.submit(base, panel, name="raises", draws=7, tune=10, chains=1)
        table = jm.wait(timeout=600)
        states = dict(zip(table.name, table.state))
        assert states == {"long-A": "failed", "long-B": "cancelled", "queued": "cancelled", "raises": "failed",
                          "g-logistic": "done", "g-hill": "done", "g-lmax6": "done"}, table.to_dict("records")
        sent = sorted(grid, key=lambda j: j.record["dispatched_at"])
        hint = {j.name: j.record["cost_hint"] for j in grid}
        assert hint["g-logistic"] < hint["g-hill"], hint  # Hill (the default) has one more parameter per channel
        assert sent[-1].name == "g-logistic", [(j.name, hint[j.name], j.record["dispatched_at"]) for j in grid]  # smallest last
        err = bad.record["error"]
        assert err["type"] == "FloatingPointError" and "synthetic sampler failure" in err["message"] and "patched" in err["traceback"]
        with pytest.raises(JobError, match="failed: FloatingPointError"):
            bad.result()

        cmp = jm.compare()
        assert list(cmp.name) and set(cmp.name) == {"g-logistic", "g-hill", "g-lmax6"}
        assert cmp.elpd_diff.iloc[0] == 0 and (cmp.elpd_diff <= 0).all() and (cmp.crps_holdout > 0).all()
        for c in ("TV", "Search"):
            assert ((cmp[f"roi_{c}_low"] <= cmp[f"roi_{c}"]) & (cmp[f"roi_{c}"] <= cmp[f"roi_{c}_high"])).all()
        m = grid[1].result()
        assert m.model_config.saturation.type.value == "hill" and m.panel.n_periods == 34  # 40 weeks, 6 held out

        # an existing scheduler, by address: the same code, another results folder
        with JobManager(tmp_path / "other", address=jm.client.scheduler.address) as jm2:
            j = jm2.submit(base, panel, name="via-address", **SMALL)
            assert j.wait(300).status == "done" and jm2._cluster is None
    finally:
        jm.close()

    # a fresh process lists the records and loads a finished fit; its ROI equals what the worker recorded
    code = f"""
import json, numpy as np
from mmm_framework.jobs import JobManager
jm = JobManager({str(tmp_path / 'jobs')!r})
t = jm.jobs()
done = t[t.name == "g-hill"].job.iloc[0]
roi = jm.load(done).compute_roi()
rec = jm.record(done)["metrics"]["roi"]
print(json.dumps({{"states": dict(zip(t.name, t.state)), "roi_err": max(abs(roi.loc[c, "mean"] - rec[c]["mean"]) for c in rec)}}))
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["states"] == states and out["roi_err"] < 1e-9


@pytest.mark.slow
def test_process_pool_backend(data, tmp_path):
    df, mff, panel = data
    base = ModelConfig(kpi="Sales")
    with JobManager(tmp_path, backend="processes", n_workers=2) as jm:
        killed = jm.submit(base, panel, name="killed", **LONG)
        long = jm.submit(base, panel, name="long", **LONG)
        ok = jm.submit(base.replace(likelihood="student_t"), df, mff, name="student-t", seed=2, **SMALL)
        until(lambda: sampling(killed) and sampling(long), 180, "both long jobs to sample")
        assert ok.status == "queued"  # two slots, both busy
        os.kill(killed.record["worker"]["pid"], signal.SIGKILL)
        until(lambda: killed.status in FINAL, 60, "the killed job to end")
        assert killed.status == "failed" and "worker process running this fit died" in killed.record["error"]["message"]
        until(lambda: ok.status != "queued", 60, "the queued job to take the freed slot")
        assert long.status == "running"  # the other slot's fit was not touched
        assert long.cancel()
        until(lambda: long.status in FINAL, 60, "the long job to stop")
        assert ok.wait(300).status == "done" and long.status == "cancelled"
        cmp = jm.compare()
        assert list(cmp.name) == ["student-t"] and np.isfinite(cmp.elpd_loo).all()
        assert ok.result().model_config.likelihood.value == "student_t"


@pytest.mark.slow  # slow: a cluster and a fit
def test_a_grid_slow_to_queue_is_let_go_after_two_seconds(data, tmp_path):
    "A grid is queued whole before its first dispatch (longest first), but a worker is not kept idle while a long grid queues."
    _, _, panel = data
    with JobManager(tmp_path, backend="processes", n_workers=1) as jm:
        submit, sent = jm.submit, []
        def slow_submit(*a, **kw):  # as if each variant took 1.5 s to build and check
            sent.append(len(jm._futures)); job = submit(*a, **kw); time.sleep(1.5); return job
        jm.submit = slow_submit
        from mmm_framework.model import BayesianMMM
        BayesianMMM(panel, ModelConfig(kpi="Sales"))  # this process's first build (imports) is not part of the grid's time
        jobs = jm.submit_grid(ModelConfig(kpi="Sales"), {"a": {}, "b": {}, "c": {}, "d": {}}, panel, **LONG)
        assert sent == [0, 0, 1, 1], sent  # held for the first two (over 3 s), then the free worker got a fit
        assert jobs[0].record["dispatched_at"] is not None and all(j.status == "queued" for j in jobs[1:])


def test_records_of_a_vanished_manager_read_as_interrupted(data, tmp_path):
    "A job queued by a process that has ended is 'interrupted', not 'queued' forever; nothing starts a cluster."
    jm = JobManager(tmp_path)
    d = tmp_path / "20260101-000000-x-abcdef"; d.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    (d / "job.json").write_text(json.dumps({"id": d.name, "name": "x", "state": "running", "attempts": 1, "spec": {}, "data": "-", "panel": {},
                                            "backend": "dask", "manager": {"pid": int(dead), "host": jm._me["host"]},
                                            "submitted_at": "2026-01-01T00:00:00+00:00", "started_at": None, "finished_at": None,
                                            "timings": None, "worker": None, "error": None, "metrics": None, "result_path": None}))
    t = jm.jobs()
    assert list(t.state) == ["interrupted"] and "ended while it was running" in t.error.iloc[0]
    with pytest.raises(JobError, match="interrupted"):
        jm.load(d.name)
    assert jm._client is None and jm._cluster is None


def test_bad_submissions_fail_before_queueing(data, tmp_path):
    df, mff, panel = data
    jm = JobManager(tmp_path)
    with pytest.raises(ValueError, match="mff_config"):
        jm.submit(ModelConfig(kpi="Sales"), df)
    with pytest.raises(ValueError, match="keep at least 8"):
        jm.submit(ModelConfig(kpi="Sales"), panel, holdout=36)
    with pytest.raises(ValueError, match="variant 'x'"):
        jm.submit_grid(ModelConfig(kpi="Sales"), {"x": {"saturation": {"type": "nope"}}}, panel)
    with pytest.raises(ValueError, match="draws, tune"):
        jm.submit(ModelConfig(kpi="Sales"), panel, draw=10)
    assert jm.jobs().empty and jm._client is None


@pytest.mark.slow
def test_mmm_submit_grid(data, tmp_path):
    df, mff, _ = data
    from mmm_framework.cli import write_configs
    df.to_csv(tmp_path / "sales.csv", index=False)
    write_configs(tmp_path / "mff.yaml", mff, ModelConfig(kpi="Sales"))
    (tmp_path / "grid.yaml").write_text("data: sales.csv\nconfig: mff.yaml\nfit: {draws: 100, tune: 100, chains: 1, seed: 3}\nholdout: 4\n"
                                        "variants:\n  logistic: {saturation: {type: logistic}}\n  hill: {}\n")
    r = subprocess.run([str(Path(sys.executable).parent / "mmm"), "submit", str(tmp_path / "grid.yaml"), "--results", str(tmp_path / "jobs"),
                        "--workers", "2"], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "logistic: done" in r.stderr and "hill: done" in r.stderr
    assert "elpd_loo" in r.stdout and "crps_holdout" in r.stdout and "roi_TV" in r.stdout
    assert len(list((tmp_path / "jobs").glob("*/model/trace.nc"))) == 2


@pytest.mark.slow
def test_killed_worker_is_retried_when_configured(data, tmp_path):
    "retries=1: the job whose worker died is submitted again, finishes, and its record counts two attempts."
    _, _, panel = data
    with JobManager(tmp_path, n_workers=1, retries=1) as jm:
        j = jm.submit(ModelConfig(kpi="Sales"), panel, name="retried", draws=1500, tune=100, chains=1, seed=5)
        until(lambda: j.status == "running", 180, "the job to start")  # killed while it compiles or samples: mid-fit either way
        os.kill(j.record["worker"]["pid"], signal.SIGKILL)
        assert j.wait(400).status == "done", j.record["error"]
        assert j.record["attempts"] == 2 and "retrying" in j.record["error"]["message"]  # the first attempt's fate is kept
