"""amlguard: check Azure Machine Learning deployments against security best practice.

>>> import amlguard
>>> report = amlguard.check("infra/main.json")   # path, JSON text, dict/list, or azure-ai-ml entities
>>> report                                        # a findings table in Jupyter

All checking happens in the Rust core (the same one behind the ``amlguard``
command line); this package converts Python objects to and from it.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

from . import _amlguard, _azureml
from ._amlguard import Error, InputError, PolicyError, __version__
from ._report import Finding, Report, Rule

__all__ = [
    "Error",
    "InputError",
    "PolicyError",
    "Finding",
    "Report",
    "Rule",
    "check",
    "ingest",
    "rules",
    "explain",
    "export_policies",
    "evaluate_policy",
    "__version__",
]

PathLike = Union[str, "os.PathLike[str]"]


def _looks_like_json(text: str) -> bool:
    stripped = text.lstrip("\ufeff \t\r\n")
    return stripped.startswith(("{", "[", "//", "/*"))


def _names(ids: Optional[Union[str, Iterable[str]]], what: str) -> List[str]:
    if ids is None:
        return []
    if isinstance(ids, str):
        return [i.strip() for i in ids.split(",") if i.strip()]
    out = []
    for i in ids:
        if not isinstance(i, str):
            raise InputError(f"`{what}` must be rule ids (strings), found `{type(i).__name__}`")
        out.append(i)
    return out


def _parameters(parameters: Any) -> List[Any]:
    """Parameters: a dict (plain ``{name: value}`` or an ARM parameters file's
    content), a path to a parameters file, or a list of either."""
    if parameters is None:
        return []
    items = parameters if isinstance(parameters, (list, tuple)) else [parameters]
    out: List[Any] = []
    for p in items:
        if isinstance(p, os.PathLike) or (isinstance(p, str) and not _looks_like_json(p)):
            out.append(os.fspath(p))
        elif isinstance(p, str):
            out.append(_amlguard.parse_json(p, "<parameters>"))
        elif isinstance(p, dict):
            out.append(p)
        else:
            raise InputError(f"`parameters` must be a dict or a path, found `{type(p).__name__}`")
    return out


def _classify(source: Any) -> tuple:
    """('paths', [str]) | ('text', str) | ('bytes', bytes) (not UTF-8) | ('value', python data)."""
    if isinstance(source, os.PathLike):
        return ("paths", [os.fspath(source)])
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8")
        except UnicodeDecodeError:
            # The core's decoder names the line and column of the bad bytes.
            return ("bytes", source)
    if isinstance(source, str):
        if _looks_like_json(source):
            return ("text", source)
        return ("paths", [source])
    if isinstance(source, (list, tuple)) and source and all(isinstance(x, os.PathLike) for x in source):
        return ("paths", [os.fspath(x) for x in source])
    source = _azureml.expand(source)
    if isinstance(source, (dict, list, tuple)):
        return ("value", source)
    raise InputError(
        f"cannot check a `{type(source).__name__}`: pass a path, JSON text, a dict or list of ARM "
        "resources, or azure-ai-ml entities"
    )


def check(
    source: Any,
    *,
    parameters: Any = None,
    rules: Optional[Union[str, Iterable[str]]] = None,
    skip: Optional[Union[str, Iterable[str]]] = None,
    fail_on: str = "low",
    rule_parameters: Optional[Union[PathLike, Dict[str, Any]]] = None,
    suppressions: Optional[Union[PathLike, Sequence[PathLike]]] = None,
    defaults: bool = True,
) -> Report:
    """Check a deployment and return a :class:`Report`.

    ``source`` is a path (file or folder, ``str`` or ``os.PathLike``), JSON
    text, a dict / list of ARM resources (or an ARM template as a dict), or one
    or more azure-ai-ml entities (``Workspace``, ``ComputeInstance``,
    ``AmlCompute``, ``ManagedOnlineEndpoint``, …).

    ``parameters``: template parameter values (a dict, a parameters file path,
    or a list of them). ``rules`` keeps only those rule ids or prefixes
    (``"AML-NET"``), ``skip`` drops them. ``fail_on`` is the lowest severity
    that makes the report fail (``report.passed``). ``rule_parameters``,
    ``suppressions`` and ``defaults=False`` are the CLI's ``--rule-parameters``,
    ``--suppressions`` and ``--no-defaults``.
    """
    kind, data = _classify(source)
    params = _parameters(parameters)
    rule_ids = _names(rules, "rules")
    skip_ids = _names(skip, "skip")
    if isinstance(rule_parameters, os.PathLike):
        rule_parameters = os.fspath(rule_parameters)
    if suppressions is None:
        supp: List[str] = []
    elif isinstance(suppressions, (str, os.PathLike)):
        supp = [os.fspath(suppressions)]
    else:
        supp = [os.fspath(s) for s in suppressions]
    inner = _amlguard.check(
        kind, data, params, rule_ids, skip_ids, fail_on, rule_parameters, supp, bool(defaults)
    )
    return Report(inner)


def ingest(source: Any, *, parameters: Any = None) -> Dict[str, Any]:
    """The expanded deployment amlguard checks (what ``amlguard ingest`` prints):
    ``{"resources": [...], "relations": [...], "diagnostics": [...], "scope": {...}}``."""
    kind, data = _classify(source)
    return _amlguard.ingest(kind, data, _parameters(parameters))


def rules() -> List[Rule]:
    """Every rule of the catalog, in catalog order."""
    return [Rule(r) for r in _amlguard.rules()]


def explain(rule_id: str) -> Rule:
    """One rule by id (``InputError`` if there is no such rule)."""
    data = _amlguard.explain(rule_id)
    if data is None:
        raise InputError(f"no rule `{rule_id}`")
    return Rule(data)


def export_policies(
    *,
    effect: str = "audit",
    rules: Optional[Union[str, Iterable[str]]] = None,
    initiative: bool = False,
    scope: str = "subscription",
    out: Optional[PathLike] = None,
) -> Dict[str, Any]:
    """The catalog as Azure Policy: ``{"definitions": [...], "initiative", "template",
    "not_exported": [...], "files": {relative path: JSON text}}``.

    ``effect`` (``audit``, ``deny``, ``disabled``), ``rules`` (ids), ``initiative``
    and ``scope`` (``subscription``, ``managementGroup``) are the options of
    ``amlguard export-policy``; with ``out`` the same files are written there."""
    data, files = _amlguard.export_policies(effect, _names(rules, "rules"), bool(initiative), scope)
    data["files"] = dict(files)
    if out is not None:
        root = os.fspath(out)
        for rel, text in files:
            path = os.path.join(root, *rel.split("/"))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
    return data


def evaluate_policy(definition: Any, resource: Any, parameters: Any = None) -> Dict[str, Any]:
    """Evaluate one Azure Policy definition (a full definition, ``{"policyRule": …}``
    or a bare ``{"if", "then"}``) against one ARM resource, offline.

    Returns ``{"effect", "outcome", "details", "unknown", "evidence"}``; ``outcome``
    is ``"match"``, ``"nomatch"`` or ``"unknown"``."""
    if isinstance(definition, str):
        definition = _amlguard.parse_json(definition, "<definition>")
    if isinstance(resource, str):
        resource = _amlguard.parse_json(resource, "<resource>")
    elif _azureml.is_entity(resource):
        resource = _azureml.to_arm([resource])[0]
    if isinstance(parameters, str):
        parameters = _amlguard.parse_json(parameters, "<parameters>")
    return _amlguard.evaluate_policy(definition, resource, parameters)
