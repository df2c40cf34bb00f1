"""The `mmm` command (issue 7's CLI part): exit codes 0 / 2 / 1 on good input, bad input and failures, run as a user would."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mmm_framework.cli import main, write_configs
from mmm_framework.config import ModelConfig
from mmm_framework.datasets import simulate_mmm

MMM = str(Path(sys.executable).parent / "mmm")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    df, truth = simulate_mmm(n_periods=52, channels=("TV", "Search"), seed=3)
    df.to_csv(d / "data.csv", index=False)
    write_configs(d / "config.yaml", truth.config, ModelConfig(kpi="Sales", draws=100, tune=100, chains=2))
    (d / "mff.yaml").write_text(yaml.safe_dump(json.loads(truth.config.to_json())))
    return d


def run(*args):
    return subprocess.run([MMM, *map(str, args)], capture_output=True, text=True, timeout=900)


@pytest.mark.slow
def test_fit_then_report_from_the_shell(files, tmp_path):
    r = run("fit", files / "data.csv", "--config", files / "config.yaml", "--out", tmp_path / "fit", "--seed", "1")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "Saved to" in r.stdout and "draws" in r.stderr  # the progress bar went to stderr
    assert "\r" not in r.stderr and "compiling" in r.stderr and "done:" in r.stderr  # a pipe gets lines per stage, no carriage returns
    assert ".py:" not in r.stderr and "warnings.warn(" not in r.stderr  # warnings as 'Category: message', no source lines
    assert not re.search(r"\d[eE][+-]\d", r.stdout)  # no scientific notation in the printed tables
    spend = re.search(r"^TV\s+(\S+\s+){4}(\S+)", r.stdout, re.M).group(2)  # the ROI table's spend column: a whole amount with separators
    assert re.fullmatch(r"\d{1,3}(,\d{3})*", spend), spend
    assert (tmp_path / "fit" / "meta.json").exists() and (tmp_path / "fit" / "trace.nc").exists()
    r = run("report", tmp_path / "fit", "--out", tmp_path / "r.html", "--theme", "dark", "--tables")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "Writing the report: section 1 of" in r.stderr and "appendix" in r.stderr  # a line per section while it works
    assert (tmp_path / "r.html").stat().st_size > 1e6 and (tmp_path / "r_tables" / "roi.csv").exists()


def test_bad_input_exits_2(files, tmp_path):
    assert run("validate", files / "data.csv", "--config", files / "mff.yaml").returncode == 0
    bad = run("validate", files / "data.csv", "--config", tmp_path / "nope.yaml")
    assert bad.returncode == 2 and "does not exist" in bad.stderr
    assert run("fit", files / "data.csv", "--config", files / "config.yaml", "--out", tmp_path / "x", "--chains", "0").returncode == 2
    assert run("report", tmp_path).returncode == 2
    assert run("no-such-command").returncode == 2


def test_a_failing_fit_exits_1(files, tmp_path, monkeypatch, capsys):
    from mmm_framework.model import BayesianMMM
    def boom(self, **kw): raise RuntimeError("sampler crashed")
    monkeypatch.setattr(BayesianMMM, "fit", boom)
    code = main(["fit", str(files / "data.csv"), "--config", str(files / "config.yaml"), "--out", str(tmp_path / "f"), "--quiet"])
    assert code == 1 and "sampler crashed" in capsys.readouterr().err


def test_unidentifiable_data_is_bad_input(files, tmp_path):
    "A constant channel: `mmm validate` names the finding and exits 2; `mmm fit` refuses (2) unless the finding is accepted."
    import pandas as pd
    df = pd.read_csv(files / "data.csv")
    df.loc[df.VariableName == "TV", "VariableValue"] = 250.0
    df.to_csv(tmp_path / "flat.csv", index=False)
    v = run("validate", tmp_path / "flat.csv", "--config", files / "mff.yaml")
    assert v.returncode == 2 and "ERROR constant_media:TV" in v.stdout and "mmm fit --accept" in v.stderr, (v.stdout, v.stderr)
    f = run("fit", tmp_path / "flat.csv", "--config", files / "config.yaml", "--out", tmp_path / "x", "--quiet")
    assert f.returncode == 2 and "accept_findings=['constant_media:TV']" in f.stderr, f.stderr[-2000:]
    assert not (tmp_path / "x").exists()  # nothing was fitted or saved
