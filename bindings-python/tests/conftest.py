"""Shared fixtures and helpers. The tests run against the installed wheel (see
scripts/test-python); the repository and the Rust CLI are found through the
environment the script sets."""

import os
import pathlib
import subprocess
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent
# Let test modules import the helpers below (`from conftest import run`)
# whatever pytest's import mode.
sys.path.insert(0, str(HERE))

REPO = pathlib.Path(os.environ.get("AMLGUARD_REPO", HERE.parents[1]))
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def repo() -> pathlib.Path:
    return REPO


@pytest.fixture(scope="session")
def cli() -> pathlib.Path:
    """The Rust `amlguard` binary (built by scripts/test-python)."""
    path = os.environ.get("AMLGUARD_CLI")
    candidate = pathlib.Path(path) if path else REPO / "target" / "debug" / "amlguard"
    if not candidate.exists():
        pytest.fail(f"the Rust CLI is missing at {candidate}: run scripts/test-python (it builds it)")
    return candidate


def run(args, cwd=None):
    """Run a command; return (exit code, stdout bytes, stderr text)."""
    p = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, timeout=600)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def run_py(args, cwd=None):
    """Run `python -m amlguard ARGS` with the interpreter running the tests."""
    return run([sys.executable, "-m", "amlguard", *args], cwd=cwd)
