"""Report, Finding and Rule: Python views over the core's results.

The renderers (JSON, SARIF, text, Markdown, HTML) are the core's, so the
notebook, the command line and the browser show the same thing; this module
only gives the data attribute access and a pandas view.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Iterator, List, Optional

_SEVERITY_ORDER = ["critical", "high", "medium", "low", "info"]


class _Record:
    """Attribute access over one JSON object; nested objects become records too.
    Unknown attributes raise AttributeError; ``to_dict()`` returns the data."""

    __slots__ = ("_data",)

    def __init__(self, data: Dict[str, Any]):
        object.__setattr__(self, "_data", dict(data))

    def __getattr__(self, name: str) -> Any:
        data = object.__getattribute__(self, "_data")
        if name in data:
            value = data[name]
            return _Record(value) if isinstance(value, dict) else value
        raise AttributeError(f"{type(self).__name__} has no attribute `{name}`")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __dir__(self) -> List[str]:
        return sorted(set(object.__dir__(self)) | set(self._data))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Record) and type(self) is type(other) and self._data == other._data

    def __hash__(self) -> int:
        return hash(json.dumps(self._data, sort_keys=True, default=str))

    def get(self, name: str, default: Any = None) -> Any:
        return self._data.get(name, default)

    def to_dict(self) -> Dict[str, Any]:
        """A deep copy of the underlying data."""
        return json.loads(json.dumps(self._data))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._data!r})"


class Finding(_Record):
    """One finding: ``rule_id``, ``severity``, ``status`` (``"fail"`` or
    ``"indeterminate"``), ``resource`` (``.type``, ``.name``, ``.id``),
    ``location`` (``.file``, ``.pointer``, ``.line``), ``message``,
    ``evidence``, ``remediation``, ``suppressed`` (when suppressed)."""

    __slots__ = ()

    # For type checkers and editors; values come from the data (`__getattr__`).
    rule_id: str
    title: str
    severity: str
    status: str
    resource: Any
    location: Any
    message: str
    evidence: List[Any]
    unknown: List[str]
    remediation: str

    def __repr__(self) -> str:
        d = self._data
        res = d.get("resource") or {}
        return (
            f"<Finding {d.get('rule_id')} {d.get('severity')} {d.get('status')} "
            f"on {res.get('type')} `{res.get('name')}`>"
        )


class Rule(_Record):
    """One catalog rule: ``id``, ``title``, ``severity``, ``area``, ``summary``,
    ``why``, ``remediation``, ``references``, ``policyRule``, …"""

    __slots__ = ()

    id: str
    title: str
    severity: str
    area: str
    summary: str
    why: str
    remediation: Any
    references: List[str]
    policyRule: Dict[str, Any]
    exportable: bool

    def __repr__(self) -> str:
        d = self._data
        return f"<Rule {d.get('id')} {d.get('severity')}: {d.get('title')}>"

    def _repr_markdown_(self) -> str:
        d = self._data
        lines = [f"**{d.get('id')}** ({d.get('severity')}) — {d.get('title')}", ""]
        for key in ("summary", "why", "remediation"):
            if d.get(key):
                lines += [f"*{key}*: {d[key]}", ""]
        return "\n".join(lines)


class Report:
    """The result of :func:`amlguard.check`.

    ``findings`` (list of :class:`Finding`), ``passed`` (no finding at or above
    ``fail_on``), ``summary`` (dict), ``to_json()`` (byte-identical to
    ``amlguard check --format json``), ``to_sarif()``, ``to_text()``,
    ``to_markdown()``, ``to_html()``, ``to_dict()``, ``to_pandas()``. In
    Jupyter a report renders as the core's HTML findings table."""

    __slots__ = ("_inner", "_dict", "_findings")

    def __init__(self, inner: Any):
        self._inner = inner
        self._dict: Optional[Dict[str, Any]] = None
        self._findings: Optional[List[Finding]] = None

    def to_dict(self) -> Dict[str, Any]:
        """The report as plain Python data (the JSON report, parsed)."""
        if self._dict is None:
            self._dict = self._inner.to_dict()
        return json.loads(json.dumps(self._dict))

    @property
    def findings(self) -> List[Finding]:
        if self._findings is None:
            data = self._dict if self._dict is not None else self.to_dict()
            self._findings = [Finding(f) for f in data.get("findings", [])]
        return list(self._findings)

    @property
    def summary(self) -> Dict[str, Any]:
        return self.to_dict().get("summary", {})

    @property
    def fail_on(self) -> str:
        """The severity threshold this report was made with."""
        return self._inner.fail_on

    @property
    def exit_code(self) -> int:
        """What ``amlguard check`` would exit with: 0 passed, 1 failed, 2 part of
        the input could not be checked (an error in ``diagnostics``)."""
        return self._inner.exit_code()

    @property
    def passed(self) -> bool:
        return self.exit_code == 0

    def __bool__(self) -> bool:
        return self.passed

    def __len__(self) -> int:
        return len(self.findings)

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    def to_json(self) -> str:
        return self._inner.to_json()

    def to_sarif(self) -> str:
        return self._inner.to_sarif()

    def to_text(self) -> str:
        return self._inner.to_text()

    def to_markdown(self) -> str:
        return self._inner.to_markdown()

    def to_html(self) -> str:
        return self._inner.to_html()

    def _repr_html_(self) -> str:
        return self._inner.to_html()

    def to_pandas(self) -> Any:
        """Findings as a ``pandas.DataFrame``, one row per finding (pandas is
        imported only here; install it with ``pip install pandas``)."""
        try:
            import pandas as pd
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise ImportError("Report.to_pandas() needs pandas: pip install pandas") from e
        columns = [
            "rule_id",
            "severity",
            "status",
            "resource_type",
            "resource_name",
            "resource_id",
            "file",
            "pointer",
            "line",
            "message",
            "remediation",
        ]
        rows = []
        for f in self.to_dict().get("findings", []):
            res = f.get("resource") or {}
            loc = f.get("location") or {}
            rows.append(
                {
                    "rule_id": f.get("rule_id"),
                    "severity": f.get("severity"),
                    "status": f.get("status"),
                    "resource_type": res.get("type"),
                    "resource_name": res.get("name"),
                    "resource_id": res.get("id"),
                    "file": loc.get("file"),
                    "pointer": loc.get("pointer"),
                    "line": loc.get("line"),
                    "message": f.get("message"),
                    "remediation": f.get("remediation"),
                }
            )
        return pd.DataFrame(rows, columns=columns)

    def __repr__(self) -> str:
        findings = self.findings
        counts: Dict[str, int] = {}
        for f in findings:
            sev = str(f.get("severity"))
            counts[sev] = counts.get(sev, 0) + 1
        order = [s for s in _SEVERITY_ORDER if s in counts] + sorted(s for s in counts if s not in _SEVERITY_ORDER)
        detail = ", ".join(f"{counts[s]} {s}" for s in order)
        verdict = "passed" if self.passed else "failed"
        plural = "finding" if len(findings) == 1 else "findings"
        return f"<amlguard.Report {verdict}: {len(findings)} {plural}" + (f" ({detail})>" if detail else ">")
