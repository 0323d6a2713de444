"""``mlsd runs html``: one self-contained page (inline CSS, SVG and JS; nothing from the network)."""

from __future__ import annotations

import json
from html import escape
from importlib.resources import files
from string import Template

from mlsd.runs.run_report import RunReport, money, parse_time, review_verdict, seconds, tokens

LANE_HEIGHT, LABEL_WIDTH, PLOT_WIDTH = 22, 150, 820
# Call fields the page's script shows on click; prompt and answer text stay in the sections below.
_CLICK_FIELDS = ("seq", "node", "section", "round", "model", "input_tokens", "output_tokens")
_CLICK_FIELDS += ("latency_ms", "finish_reason", "retries", "error")


def _lane(call: dict) -> str:
    if call["node"] in ("write_section", "verify_section") and call["section"] is not None:
        return f"§{call['section']}"
    return call["node"] or call["role"] or "?"


def _bar_class(call: dict) -> str:
    if call["error"]:
        return "err"
    if call["role"] == "planner":
        return "plan"
    if call["role"] in ("critic", "verifier"):
        return "critic"
    return f"r{min(call['round'] or 0, 3)}"


def timeline_svg(report: RunReport) -> str:
    """One bar per call, one lane per agent (planner, each section's writer, critic)."""
    lanes: list[str] = []
    for call in report.calls:
        if _lane(call) not in lanes:
            lanes.append(_lane(call))
    lanes.sort(key=lambda name: (not name.startswith("§"), int(name[1:]) if name.startswith("§") else 0))
    if "plan" in lanes:
        lanes.insert(0, lanes.pop(lanes.index("plan")))
    start, span = report.span()
    span = span or 1.0
    height = LANE_HEIGHT * (len(lanes) + 1) + 10
    parts = [
        f'<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="{LABEL_WIDTH + PLOT_WIDTH + 20}"'
        f' height="{height}" role="img" aria-label="timeline of {len(report.calls)} calls">'
    ]
    for i in range(6):
        x = LABEL_WIDTH + PLOT_WIDTH * i / 5
        parts.append(f'<line class="grid" x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 16}"/>')
        parts.append(f'<text x="{x:.1f}" y="{height - 4}" text-anchor="middle">{span * i / 5:.2f}s</text>')
    for row, name in enumerate(lanes):
        parts.append(f'<text x="6" y="{row * LANE_HEIGHT + 15}">{escape(name)}</text>')
    for call in report.calls:
        offset = (parse_time(call["started_at"]) - start).total_seconds()
        x = LABEL_WIDTH + PLOT_WIDTH * offset / span
        width = max(2.0, PLOT_WIDTH * call["latency_ms"] / 1000 / span)
        y = lanes.index(_lane(call)) * LANE_HEIGHT + 3
        tip = f"#{call['seq']} {_lane(call)} round {call['round']}: {call['latency_ms']} ms"
        parts.append(
            f'<rect class="bar {_bar_class(call)}" data-seq="{call["seq"]}" x="{x:.1f}" y="{y}"'
            f' width="{width:.1f}" height="{LANE_HEIGHT - 6}" rx="2"><title>{escape(tip)}</title></rect>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _legend() -> str:
    items = [("plan", "planner"), ("r0", "first draft"), ("r1", "revision 1"), ("r2", "revision 2")]
    items += [("critic", "critic"), ("err", "error")]
    return "".join(f'<svg width="12" height="12"><rect class="{c}" width="12" height="12"/></svg>{n} '
                   for c, n in items)  # fmt: skip


def _findings_html(round_: int, findings: list[dict]) -> str:
    items = "".join(
        f"<li>{escape(f['kind'])}"
        + (f": “{escape(f['quote'])}” → {escape(f['correction'])}" if f.get("quote") else "")
        + "</li>"
        for f in findings
    )
    told = f"{len(findings)} finding(s)" if findings else "no errors found"
    return f"<p>verifier round {round_}: {told}</p>" + (f"<ul>{items}</ul>" if items else "")


def _verdict_html(round_: int, verdict: dict) -> str:
    review = review_verdict(verdict)
    parts = []
    for who, said in (("checks", review.checks), ("critic", review.critic)):
        css = "pass" if said == "pass" else "revise"
        parts.append(f'{who} <span class="{css}">{escape(said)}</span>')
    fixes = "".join(f"<li>{escape(f)}</li>" for f in review.fixes)
    return f"<p>review round {round_}: {' · '.join(parts)}</p>" + (f"<ul>{fixes}</ul>" if fixes else "")


def sections_html(report: RunReport) -> str:
    """Each section: its drafts round by round, the critic's verdict and fixes after each."""
    out = []
    for history in report.sections():
        if not history.drafts:
            continue
        rounds = sorted({c["round"] for c in history.drafts})
        revised = " · revised" if len(rounds) > 1 else ""
        body = []
        for i, round_ in enumerate(rounds):
            until = rounds[i + 1] if i + 1 < len(rounds) else None
            for call in (c for c in history.drafts if c["round"] == round_):
                body.append(
                    f"<h4>round {round_} · call #{call['seq']} · {call['input_tokens']}→"
                    f"{call['output_tokens']} tokens · {seconds(call['latency_ms'])}</h4>"
                )
                if call["answer"] is not None:
                    body.append(f"<pre>{escape(call['answer'])}</pre>")
            if round_ in history.findings:
                body.append(_findings_html(round_, history.findings[round_]))
            for judged, verdict in sorted(history.verdicts.items()):
                if judged >= round_ and (until is None or judged < until):
                    body.append(_verdict_html(judged, verdict))
        out.append(
            f"<details{' open' if revised else ''}><summary>§{history.number} {escape(history.title)}"
            f" — {len(history.drafts)} draft(s){revised}</summary>{''.join(body)}</details>"
        )
    return "\n".join(out) or "<p>No section drafts recorded.</p>"


def _table(rows: list[dict], key: str) -> str:
    head = f"<tr><th>{key}</th><th>calls</th><th>input</th><th>output</th><th>cached</th><th>cost</th>"
    head += "<th>latency (sum)</th></tr>"
    body = "".join(
        f"<tr><td>{escape(r[key])}</td><td>{r['calls']}</td><td>{r['input_tokens']}</td>"
        f"<td>{r['output_tokens']}</td><td>{r['cached_tokens']}</td><td>{money(r['cost_usd'])}</td>"
        f"<td>{seconds(r['latency_ms'])}</td></tr>"
        for r in rows
    )
    return f"<table>{head}{body}</table>"


def render_html(report: RunReport) -> str:
    """The whole page for one run."""
    run = report.run
    _, span = report.span()
    subtitle = f"run {run['id']} · {report.level} · started {run['started_at']} · {run['strategy']}"
    cards = [
        ("status", run["status"]),
        ("calls", run["calls"]),
        ("tokens in / out", f"{tokens(run['input_tokens'])} / {tokens(run['output_tokens'])}"),
        ("cached", tokens(run["cached_tokens"])),
        ("cost", money(run["cost_usd"], run["unpriced_calls"] or 0)),
        ("wall time", seconds(run["wall_ms"])),
        ("calls span", f"{span:.2f}s"),
    ]
    calls = [{k: c[k] for k in _CLICK_FIELDS} for c in report.calls]
    template = Template(files("mlsd.runs").joinpath("report.html").read_text(encoding="utf-8"))
    return template.substitute(
        run_id=escape(run["id"]),
        title=escape(report.label),
        subtitle=escape(subtitle),
        cards="".join(f'<div class="card">{escape(k)}<b>{escape(str(v))}</b></div>' for k, v in cards),
        legend=_legend(),
        timeline=timeline_svg(report),
        sections=sections_html(report),
        breakdowns="".join(_table(report.breakdown(k), k) for k in ("node", "role", "model")),
        calls_json=json.dumps(calls).replace("</", "<\\/"),
    )
