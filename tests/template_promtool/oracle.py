#!/usr/bin/env python3
"""Ask the reference promtool 3.5.3 how Prometheus expands (or refuses) alert templates.

This is how the expectations in exec_cases.json and parse_cases.json were recorded; the Rust
test (tests/template_promtool.rs) only reads those files and never needs promtool.

usage: oracle.py exec CASES.json  > exec_cases.json
       oracle.py parse CASES.json > parse_cases.json
CASES.json: list of {"t": template, "labels": {..}, "value": "1.5"} (labels/value optional;
extra keys such as a previous "out" are ignored, so a recorded file can be re-recorded).

exec: one alerting rule per distinct (labels, value), named A<n>, with expr m<n> over the series
m<n>{labels} = value (so $labels also holds __name__="m<n>"); every test group also loads
n{k="a"} 1, n{k="b"} 2 and up{job="x"} 1 for `query`, external_labels {cluster: prod,
region: eu} and external_url http://prom.example/sub. Each template is an annotation; the
expected annotations are set to something impossible so that promtool prints what it got.
parse: one rule P<i> per template; the rule file's load errors give Go's parse messages.
Set PROMTOOL to use another binary.
"""
import json, os, re, subprocess, sys, tempfile

PROMTOOL = os.environ.get("PROMTOOL", "promtool")

def yq(s):
    return json.dumps(s, ensure_ascii=False)

def go_unquote(s, i):
    # s[i] == '"'; returns (text, index after closing quote)
    assert s[i] == '"'
    i += 1
    out = bytearray()
    while True:
        c = s[i]
        if c == '"':
            return out.decode("utf-8", "replace"), i + 1
        if c == "\\":
            n = s[i + 1]
            simple = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92, '"': 34, "'": 39}
            if n in simple:
                out.append(simple[n]); i += 2; continue
            if n == "x":
                out.append(int(s[i + 2:i + 4], 16)); i += 4; continue
            if n == "u":
                out += chr(int(s[i + 2:i + 6], 16)).encode(); i += 6; continue
            if n == "U":
                out += chr(int(s[i + 2:i + 10], 16)).encode(); i += 10; continue
            raise ValueError("escape " + n)
        out += c.encode(); i += 1

def run_exec(cases):
    groups = {}
    for idx, c in enumerate(cases):
        labels = {k: v for k, v in c.get("labels", {"instance": "i1"}).items() if k != "__name__"}
        key = (json.dumps(labels, sort_keys=True), str(c.get("value", "1")))
        groups.setdefault(key, []).append(idx)
    results = [None] * len(cases)
    with tempfile.TemporaryDirectory() as d:
        rules = ["groups:", "  - name: g", "    rules:"]
        tests = ["rule_files: [r.yml]", "tests:"]
        for gi, (key, idxs) in enumerate(groups.items()):
            labels = json.loads(key[0])
            sel = "m%d{%s}" % (gi, ",".join('%s=%s' % (k, yq(v)) for k, v in labels.items()))
            rules += ["      - alert: A%d" % gi, "        expr: m%d" % gi, "        annotations:"]
            for j, idx in enumerate(idxs):
                rules.append("          a%04d: %s" % (j, yq(cases[idx]["t"])))
            tests += ["  - interval: 1m",
                      "    external_labels: {cluster: prod, region: eu}",
                      "    external_url: http://prom.example/sub",
                      "    input_series:",
                      "      - series: %s" % yq(sel),
                      "        values: %s" % yq(key[1]),
                      "      - {series: 'n{k=\"b\"}', values: '2'}",
                      "      - {series: 'n{k=\"a\"}', values: '1'}",
                      "      - {series: 'up{job=\"x\"}', values: '1'}",
                      "    alert_rule_test:",
                      "      - eval_time: 0",
                      "        alertname: A%d" % gi,
                      "        exp_alerts:",
                      "          - exp_labels: {}",
                      "            exp_annotations: {zz: never}"]
        open(os.path.join(d, "r.yml"), "w").write("\n".join(rules) + "\n")
        open(os.path.join(d, "t.yml"), "w").write("\n".join(tests) + "\n")
        p = subprocess.run([PROMTOOL, "test", "rules", "t.yml"], cwd=d, capture_output=True, text=True)
        err = p.stderr
        groups_list = list(groups.items())
        # each failing group prints "alertname: AN, time: 0s," then exp then got
        for m in re.finditer(r"alertname: A(\d+), time: 0s, \n", err):
            gi = int(m.group(1))
            got = err.index("got:[", m.end())
            ann = err.index("Annotations:{", got) + len("Annotations:")
            i = ann + 1
            vals = {}
            while err[i] != "}":
                km = re.match(r"(a\d{4})=", err[i:])
                if not km:
                    raise SystemExit("cannot parse at: " + err[i:i + 80] + "\nFULL:\n" + err)
                i += km.end()
                v, i = go_unquote(err, i)
                vals[km.group(1)] = v
                if err[i:i + 2] == ", ":
                    i += 2
            for j, idx in enumerate(groups_list[gi][1]):
                labels = dict(json.loads(groups_list[gi][0][0]))
                labels["__name__"] = "m%d" % gi
                results[idx] = {"alert": "A%d" % gi, "labels": dict(sorted(labels.items())),
                                "value": groups_list[gi][0][1], "t": cases[idx]["t"], "out": vals.get("a%04d" % j, "")}
        if any(r is None for r in results):
            raise SystemExit("missing results; stderr:\n" + err + p.stdout)
    return results

def run_parse(cases):
    results = []
    cases = [{"t": c["t"]} for c in cases]
    with tempfile.TemporaryDirectory() as d:
        rules = ["groups:", "  - name: g", "    rules:"]
        for i, c in enumerate(cases):
            rules += ["      - alert: P%d" % i, "        expr: vector(1)", "        annotations:",
                      "          a: %s" % yq(c["t"])]
        open(os.path.join(d, "r.yml"), "w").write("\n".join(rules) + "\n")
        open(os.path.join(d, "t.yml"), "w").write("rule_files: [r.yml]\ntests:\n  - input_series: []\n")
        p = subprocess.run([PROMTOOL, "test", "rules", "t.yml"], cwd=d, capture_output=True, text=True)
        errs = {}
        for line in p.stderr.splitlines():
            m = re.match(r'r\.yml: group "g", rule (\d+), "P\d+": annotation "a": (.*)$', line)
            if m:
                errs[int(m.group(1)) - 1] = m.group(2)
        for i in range(len(cases)):
            results.append({"alert": "P%d" % i, "t": cases[i]["t"], "out": errs.get(i, "")})
        if p.returncode != 0 and not errs:
            raise SystemExit(p.stderr)
    return results

if __name__ == "__main__":
    mode, path = sys.argv[1], sys.argv[2]
    cases = json.load(open(path))
    out = run_exec(cases) if mode == "exec" else run_parse(cases)
    print("[")
    for i, o in enumerate(out):
        print(json.dumps(o, ensure_ascii=False) + ("," if i + 1 < len(out) else ""))
    print("]")
