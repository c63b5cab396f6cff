"""Shared fixtures. The tests run against the installed wheel (see
scripts/test-python); paths to the repository and the Rust CLI come from the
environment the script sets."""

import os
import pathlib
import subprocess
import sys

import pytest

REPO = pathlib.Path(os.environ.get("AMLGUARD_REPO", pathlib.Path(__file__).resolve().parents[2]))
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
    """Run a command, return (exit code, stdout bytes, stderr text)."""
    p = subprocess.run(args, cwd=cwd, capture_output=True, timeout=600)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def run_py(args, cwd=None):
    return run([sys.executable, "-m", "amlguard", *args], cwd=cwd)
