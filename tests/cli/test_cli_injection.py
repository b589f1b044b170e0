"""No string given on the command line runs code (issue 11): the hostile corpus of
:mod:`tests.symbolic._corpus` in every option that takes a string, in process through
``main`` (the code ``python -m infogeo`` runs) and as real ``python -m infogeo``
subprocesses. A canary file that an executed payload would create must never appear, and
every failure is one line on stderr, never a traceback or an internal error.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from infogeo.cli import main
from tests.symbolic._corpus import HOSTILE, fill

ROOT = Path(__file__).resolve().parents[2]
NORMAL = "-(x-mu)**2/(2*sigma**2) - log(sigma) - log(2*pi)/2"
CUSTOM = ["fisher", "--logpdf", NORMAL, "--params", "mu sigma>0"]

OPTIONS = {
    "--logpdf": lambda t: ["fisher", "--logpdf", t, "--params", "mu sigma>0"],
    "--pdf": lambda t: ["fisher", "--pdf", t, "--params", "mu sigma>0"],
    "--params": lambda t: ["fisher", "--logpdf", NORMAL, "--params", t],
    "--hyperparams": lambda t: [*CUSTOM, "--hyperparams", t],
    "--var": lambda t: [*CUSTOM, "--var", t],
    "--support": lambda t: [*CUSTOM, "--support", t],
    "--conditions": lambda t: [*CUSTOM, "--conditions", t],
    "--at": lambda t: ["fisher", "normal", "--at", f"mu={t} sigma=1"],
    "--alpha": lambda t: ["curvature", "normal", "--alpha", t],
    "--censor-at": lambda t: ["fisher", "exponential", "--censor-at", t],
    "family name": lambda t: ["fisher", t],
}


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory,
                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFOGEO_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.mark.parametrize("option", sorted(OPTIONS))
def test_hostile_option_values_in_process(option: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    canary = tmp_path / "canary"
    for template in HOSTILE:
        text = fill(template, str(canary))
        code = main(OPTIONS[option](text))
        out, err = capsys.readouterr()
        assert not canary.exists(), (option, text)
        assert "Traceback" not in err and "internal error" not in err, (option, text, err)
        if code != 0:
            assert code in (1, 2), (option, text, code)
            assert out == "", (option, text)
        if code == 1:
            assert err.startswith("infogeo: error: ") and err.count("\n") == 1, (option, err)


def _payload(option: str, canary: Path) -> list[str]:
    run = f"__import__('os').system('touch {canary}')"
    return OPTIONS[option](run)


SUBPROCESS_OPTIONS = ["--logpdf", "--params", "--support", "--at"]


@pytest.mark.parametrize("options", [
    SUBPROCESS_OPTIONS,
    pytest.param([o for o in OPTIONS if o not in SUBPROCESS_OPTIONS], marks=pytest.mark.slow),
], ids=["main options", "other options"])
def test_hostile_option_values_in_subprocesses(options: list[str], tmp_path: Path) -> None:
    """One real ``python -m infogeo`` per option, run two at a time."""
    env = {**os.environ, "MPLBACKEND": "Agg", "INFOGEO_CACHE_DIR": str(tmp_path / "cache"),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                       os.environ.get("PYTHONPATH")]))}
    canaries = {option: tmp_path / f"canary-{i}" for i, option in enumerate(options)}
    pending = list(options)
    while pending:
        batch, pending = pending[:2], pending[2:]
        procs = {option: subprocess.Popen(
            [sys.executable, "-m", "infogeo", *_payload(option, canaries[option])],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
            cwd=tmp_path) for option in batch}
        for option, proc in procs.items():
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 1, (option, out, err)
            assert out == "" and err.startswith("infogeo: error: "), (option, err)
            assert err.count("\n") == 1 and "Traceback" not in err, (option, err)
    assert not any(c.exists() for c in canaries.values())
