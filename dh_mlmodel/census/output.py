"""The census as JSON (everything), CSV (one line per package) and an HTML table (jinja2, autoescaped).

Every value in a row may come from a hostile package (a README line, a
licence synopsis, a file name): the HTML is rendered with autoescape on,
and a CSV cell that a spreadsheet would read as a formula (=, +, -, @, tab,
CR) is prefixed with a quote.  Output is sorted and carries no clock time
(SOURCE_DATE_EPOCH only when set), so two runs over the same mirror state
give the same bytes.
"""
from __future__ import annotations

import csv
import io
import json
from collections import Counter
from typing import Any

import jinja2

from ..declaration import PROFILES
from . import rules
from .row import verdict_label

COUNTED = ("content", "marker", "name")  # the evidence that makes a file a model (census.inspect)

CSV_COLUMNS = ("package", "version", "architecture", "component", "section", "source", "ships_model", "formats",
               "model_count", "model_bytes", "largest_model", "license", "license_status", "training_data",
               "training_data_declared", "generative", "declared") + tuple(f"verdict:{p}" for p in PROFILES) + ("error",)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def to_json(meta: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    return json.dumps({"census": meta, "summary": summary(rows), "packages": rows}, indent=1, sort_keys=True,
                      ensure_ascii=False) + "\n"


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, list):
        text = "; ".join(v["text"] if isinstance(v, dict) else str(v) for v in value)
    elif value is None:
        text = ""
    else:
        text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_row(row: dict[str, Any]) -> list[str]:
    out = []
    for col in CSV_COLUMNS:
        if col.startswith("verdict:"):
            v = row["verdicts"].get(col.split(":", 1)[1])
            out.append(_cell(verdict_label(v) if v else ""))
        else:
            out.append(_cell(row.get(col)))
    return out


def to_csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(csv_row(row))
    return buf.getvalue()


def model_units(row: dict[str, Any]) -> dict[str, tuple[str, int, bool]]:
    """unit -> (kind, bytes, fixture?) of a row's model files: a file, or a directory for dir/tree rules."""
    units: dict[str, tuple[str, int, bool]] = {}
    for f in row["files"]:
        if f["evidence"] not in COUNTED:
            continue
        rule = rules.by_name(f["rule"])
        fixture = rules.is_fixture(f["path"], row["package"])
        if rule is not None and rule.unit in ("dir", "tree"):
            units.setdefault(f["path"].rsplit("/", 1)[0] + "/", (f["kind"], f["unit_size"], fixture))
        else:
            units[f["path"]] = (f["kind"], f["size"], fixture)
    return units


def is_fixtures_only(row: dict[str, Any]) -> bool:
    units = model_units(row)
    return bool(units) and all(fixture for _, _, fixture in units.values())


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The counts docs/census.md publishes: packages with models, by format, size and placement."""
    models = [r for r in rows if r["ships_model"]]
    formats: Counter = Counter()
    format_bytes: Counter = Counter()
    for r in models:
        for kind in r["formats"]:
            formats[kind] += 1
        for kind, size, _ in model_units(r).values():
            format_bytes[kind] += size
    placement = {p: dict(sorted(Counter((r["verdicts"][p]["section"] or "reject") for r in models).items()))
                 for p in PROFILES}
    return {
        "candidates": len(rows),
        "ship_models": len(models),
        "errors": sum(1 for r in rows if r["error"]),
        "model_bytes": sum(r["model_bytes"] for r in models),
        "by_component": dict(sorted(Counter(r["component"] for r in models).items())),
        "by_format_packages": dict(sorted(formats.items())),
        "by_format_bytes": dict(sorted(format_bytes.items())),
        "by_license_status": dict(sorted(Counter(r["license_status"] or "none" for r in models).items())),
        "generative": sum(1 for r in models if r["generative"]),
        "declared": sum(1 for r in models if r["declared"]),
        "with_training_statement": sum(1 for r in models if r["training_data"]),
        "fixtures_only": sorted(r["package"] for r in models if is_fixtures_only(r)),
        "unconfirmed_packages": sorted(r["package"] for r in rows if not r["ships_model"] and r.get("unconfirmed")),
        "placement": placement,
    }


HTML = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>mlmodel census: {{ meta.suite }} ({{ meta.components | join(", ") }})</title>
<style>
body { font-family: sans-serif; margin: 1em; }
table { border-collapse: collapse; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.4em; vertical-align: top; text-align: left; }
th { background: #eee; position: sticky; top: 0; }
td.num { text-align: right; white-space: nowrap; }
.main { background: #dfd; } .contrib { background: #ffd; } .non-free { background: #fdd; } .reject { background: #ddd; }
.small { font-size: 0.85em; color: #444; }
</style>
</head>
<body>
<h1>Trained models in {{ meta.suite }}</h1>
<p>Mirror {{ meta.mirror }}, components {{ meta.components | join(", ") }}, architecture {{ meta.architecture }}.
{{ s.candidates }} candidate packages, {{ s.ship_models }} ship trained models ({{ "{:,}".format(s.model_bytes) }} bytes);
{{ s.errors }} could not be read. Verdicts are advice under each profile: no Debian-wide decision on AI models exists,
and the ftpmasters decide. "undeclared" marks a verdict that rests on the decision table's defaults because the
package declares nothing (no dh-mlmodel record).</p>
<table>
<thead><tr><th>package</th><th>version</th><th>section</th><th>formats</th><th>models</th><th>bytes</th>
<th>licence</th><th>training data</th><th>generative</th>{% for p in profiles %}<th>{{ p }}</th>{% endfor %}</tr></thead>
<tbody>
{% for r in rows %}<tr>
<td>{{ r.package }}{% if r.error %}<div class="small">{{ r.error }}</div>{% endif %}</td>
<td>{{ r.version }}</td><td>{{ r.section }}</td><td>{{ r.formats | join(", ") }}</td>
<td class="num">{{ r.model_count }}</td><td class="num">{{ "{:,}".format(r.model_bytes) }}</td>
<td>{{ r.license or "" }}<div class="small">{{ r.license_status }}</div></td>
<td>{% for t in r.training_data %}<div class="small">{{ t.text }} ({{ t.source }})</div>{% else %}<span class="small">none found</span>{% endfor %}</td>
<td>{{ "yes" if r.generative else "no" }}</td>
{% for p in profiles %}{% set v = r.verdicts.get(p) %}<td class="{{ (v.section or 'reject') if v else '' }}">{{ label(v) if v else "" }}</td>{% endfor %}
</tr>
{% endfor %}</tbody>
</table>
</body>
</html>
"""


def to_html(meta: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string(HTML)
    shown = [r for r in rows if r["ships_model"] or r["error"]]
    return template.render(meta=meta, rows=shown, s=summary(rows), profiles=PROFILES, label=verdict_label)
