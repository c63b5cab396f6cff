"""``python -m amlguard``: the ``amlguard`` command line, from Python.

Same commands, options, output and exit codes as the Rust CLI: 0 success / no
finding at or above ``--fail-on``, 1 findings at or above it, 2 unusable input
(``error: <message>`` on stderr).
"""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from . import _amlguard
from ._amlguard import Error

_FORMATS = ["text", "json", "sarif", "markdown", "html"]
_SEVERITIES = ["low", "medium", "high", "critical"]


def _ids(values: Optional[List[str]]) -> List[str]:
    out: List[str] = []
    for v in values or []:
        out.extend(x for x in v.split(",") if x)
    return out


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="amlguard", description="Check Azure Machine Learning deployments against security best practice"
    )
    p.add_argument("--version", action="version", version=f"amlguard {_amlguard.__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    c = sub.add_parser("check", help="Check templates, Terraform or resource lists against the rule catalog")
    c.add_argument("paths", nargs="+", help="Files or folders to check")
    c.add_argument("-p", "--parameters", action="append", default=[], help="Parameters file; may repeat")
    c.add_argument("--format", default="text", choices=_FORMATS, help="Output format")
    c.add_argument("--fail-on", default="low", choices=_SEVERITIES, help="Lowest severity that makes the exit code 1")
    c.add_argument("--rules", action="append", help="Only these rule ids or prefixes (comma separated)")
    c.add_argument("--skip", action="append", help="Skip these rule ids or prefixes (comma separated)")
    c.add_argument("--suppressions", action="append", default=[], help="Suppressions file; may repeat")
    c.add_argument("--rule-parameters", help="Rule parameter values (JSON file)")
    c.add_argument("--no-defaults", action="store_true", help="Judge the template as written, without Azure's defaults")

    i = sub.add_parser("ingest", help="Print the expanded deployment (ARM-shaped resources and relations) as JSON")
    i.add_argument("path", help="File to read")
    i.add_argument("-p", "--parameters", action="append", default=[], help="Parameters file; may repeat")

    r = sub.add_parser("rules", help="List the rules")
    r.add_argument("--format", default="text", choices=["text", "json"], help="Output format")

    x = sub.add_parser("export-policy", help="Write the catalog as Azure Policy definitions and an initiative")
    x.add_argument("--out", required=True, help="Output folder (created if missing; files of the same name are replaced)")
    x.add_argument("--effect", default="audit", choices=["audit", "deny", "disabled"], help="Default effect")
    x.add_argument("--rules", action="append", help="Only these rule ids (comma-separated or repeated)")
    x.add_argument("--initiative", action="store_true", help="Also write an initiative grouping the definitions")
    x.add_argument(
        "--scope", default="subscription", choices=["subscription", "managementGroup"], help="Scope of the ARM template"
    )

    pol = sub.add_parser("policy", help="Work with Azure Policy definitions directly")
    pol_sub = pol.add_subparsers(dest="policy_command", required=True)
    ev = pol_sub.add_parser("eval", help="Evaluate an Azure Policy definition against a resource, offline")
    ev.add_argument("--definition", required=True, help="Policy definition (full definition or bare policyRule)")
    ev.add_argument("--resource", required=True, help="Resource (an ARM resource object, or an array of them)")
    ev.add_argument("--parameters", help="Parameter values: {name: value} or an ARM parameters file")
    ev.add_argument("--aliases", help="Extra alias catalog (az provider alias format)")

    e = sub.add_parser("explain", help="Explain one rule: why it matters and how to fix it")
    e.add_argument("id", help="Rule id, e.g. AML-NET-001")
    return p


def _run(args: argparse.Namespace) -> int:
    if args.command == "check":
        report = _amlguard.check(
            "paths",
            args.paths,
            args.parameters,
            _ids(args.rules),
            _ids(args.skip),
            args.fail_on,
            args.rule_parameters,
            args.suppressions,
            not args.no_defaults,
        )
        render = {
            "text": report.to_text,
            "json": report.to_json,
            "sarif": report.to_sarif,
            "markdown": report.to_markdown,
            "html": report.to_html,
        }[args.format]
        _print(render())
        return report.exit_code()
    if args.command == "ingest":
        _print(_amlguard.ingest_json("paths", [args.path], args.parameters))
        return 0
    if args.command == "rules":
        if args.format == "json":
            _print(_amlguard.rules_json())
        else:
            rules = _amlguard.rules()
            lines = []
            for r in rules:
                export = "" if r.get("exportable") else "  (not exportable)"
                lines.append(f"{r['id']:<13} {r['severity']:<8} {r['title']}{export}\n")
            _print("".join(lines) + f"{len(rules)} rules")
        return 0
    if args.command == "export-policy":
        from . import export_policies

        data = export_policies(
            effect=args.effect, rules=_ids(args.rules), initiative=args.initiative, scope=args.scope, out=args.out
        )
        defs = data["definitions"]
        lines = [
            f"wrote {len(defs)} policy definition(s)"
            + (", initiative.json" if data.get("initiative") else "")
            + f" and azuredeploy.json ({data['scope']} scope) to {args.out}"
        ]
        lines += [f"  {d['rule_id']}  {d['name']}  {d['effect']}  {d['file']}" for d in defs]
        if data["not_exported"]:
            lines.append(f"not exported ({len(data['not_exported'])}; see not-exported.json):")
            lines += [f"  {n['rule_id']}: {n['reason']}" for n in data["not_exported"]]
        _print("\n".join(lines))
        for d in defs:
            for w in d.get("warnings", []):
                sys.stderr.write(f"warning: {d['rule_id']}: {w}\n")
        return 0
    if args.command == "policy":
        _print(_amlguard.policy_eval_files(args.definition, args.resource, args.parameters, args.aliases))
        return 0
    if args.command == "explain":
        _print(_amlguard.explain_markdown(args.id))
        return 0
    raise Error(f"unknown command `{args.command}`")  # argparse prevents this


def _print(text: str) -> None:
    """Print as the CLI does: the text without trailing whitespace, one newline, UTF-8."""
    out = sys.stdout
    data = text.rstrip(" \t\r\n") + "\n"
    buffer = getattr(out, "buffer", None)
    if buffer is not None:
        out.flush()
        buffer.write(data.encode("utf-8"))
        buffer.flush()
    else:
        out.write(data)


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except Error as e:
        sys.stderr.write(f"error: {e}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
