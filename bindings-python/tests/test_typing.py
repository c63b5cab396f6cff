"""The package is typed: py.typed and stubs ship in the wheel, the stubs
describe the compiled module, and mypy accepts typical use."""

import inspect
import pathlib
import subprocess
import sys

import pytest

import amlguard
from amlguard import _amlguard

PKG = pathlib.Path(amlguard.__file__).parent


def test_marker_and_stub_are_installed():
    assert (PKG / "py.typed").is_file()
    assert (PKG / "_amlguard.pyi").is_file()


def test_stub_names_match_the_compiled_module():
    stub = (PKG / "_amlguard.pyi").read_text()
    public = {n for n in dir(_amlguard) if not n.startswith("__")}
    for name in public:
        assert f"def {name}(" in stub or f"class {name}(" in stub or f"class {name}:" in stub or f"{name}:" in stub, name


def test_public_api_is_annotated():
    for name in ("check", "ingest", "rules", "explain", "export_policies", "evaluate_policy"):
        sig = inspect.signature(getattr(amlguard, name))
        assert sig.return_annotation is not inspect.Signature.empty, name


def test_mypy_accepts_typical_use(tmp_path):
    pytest.importorskip("mypy", reason="mypy is installed by scripts/test-python")
    code = tmp_path / "use.py"
    code.write_text(
        "import amlguard\n"
        "report: amlguard.Report = amlguard.check('x.json', rules=['AML-NET'], fail_on='high')\n"
        "ok: bool = report.passed\n"
        "for f in report.findings:\n"
        "    print(f.rule_id, f.resource.name)\n"
        "text: str = report.to_json()\n"
        "rule: amlguard.Rule = amlguard.explain('AML-NET-001')\n"
        "ev = amlguard.evaluate_policy({'if': {}, 'then': {}}, {'type': 't'})\n"
        "try:\n"
        "    amlguard.check({})\n"
        "except amlguard.InputError as e:\n"
        "    msg: str = str(e)\n"
        "bad: int = report.to_json()\n"
    )
    p = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "--strict", str(code)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    # exactly the one deliberate error: str assigned to int
    errors = [line for line in p.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1, p.stdout
    assert "use.py:13:" in errors[0] and "Incompatible types" in errors[0], p.stdout
