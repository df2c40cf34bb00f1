"""Statistical evidence kept as committed results (issue 35): recovery fits are too long for the suite, so the benchmarks
that make them write their rows under benchmarks/results/ beside a hash of the sources that define the model, and the fast
test tests/test_evidence.py checks that the committed rows meet the bars *and* were produced by today's sources. A change to
any file below makes that test fail until the benchmark is run again (`make evidence`) and its results committed."""
import datetime
import hashlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"

#: what defines the core model: its configs and defaults, transforms, the loader, the data checks, the simulators and the
#: graph itself; the foreign corpus's generators; the extensions for their own evidence
CORE = ["mmm_framework/config.py", "mmm_framework/builders.py", "mmm_framework/transforms.py", "mmm_framework/data_loader.py",
        "mmm_framework/data_checks.py", "mmm_framework/datasets.py", "mmm_framework/model.py"]
SOURCES = {"core": CORE, "foreign": CORE + ["tests/corpus.py"],
           "extensions": CORE + sorted(str(p.relative_to(ROOT)) for p in (ROOT / "mmm_framework" / "mmm_extensions").glob("*.py"))}


def sources_hash(kind: str) -> str:
    "Hash of the files listed under SOURCES[kind] (paths and bytes)."
    h = hashlib.sha256()
    for rel in SOURCES[kind]: h.update(rel.encode() + (ROOT / rel).read_bytes())
    return h.hexdigest()[:16]


def stamp(kind: str) -> dict:
    "What a result row carries to say which sources produced it and when."
    return {"sources": sources_hash(kind), "source_kind": kind, "measured": datetime.date.today().isoformat()}


def write(name: str, payload: dict, kind: str) -> Path:
    "Write benchmarks/results/<name>.json with the stamp of `kind`'s sources."
    p = RESULTS / f"{name}.json"
    p.write_text(json.dumps({**payload, **stamp(kind)}, indent=1, default=float))
    return p


def read(name: str) -> dict:
    return json.loads((RESULTS / f"{name}.json").read_text())
