#!/usr/bin/env python3
"""Prepares newsgraph's dialect for a run and counts SQL statements per request.

usage: bench/statements.py GRAPHQL_URL METRICS_URL DIALECT_DIR OUT_DIALECT_DIR QUERIES > statements.json

1. Copies DIALECT_DIR to OUT_DIALECT_DIR and writes the variables of q7 there: page 1 of the
   articles (newest first), page 2 (the first page after a cursor) and page 200 reached by
   walking the keyset cursors (or the last page when the data set has fewer than 200 pages), ten
   cursors around it so wrk cycles bodies.
2. For each query, sends every body once (a warm-up, so caches do not hide statements), then
   each again while reading newsgraph_sql_statements_total before and after: statements per
   request = delta / bodies, and which executor answered (the `newsgraph-executor` header:
   compiled, resolvers or cache). Prints {query: {"statements_per_request": x, "bodies": n,
   "executor": e}}.
   Runs before the load, with nothing else talking to the server.
"""
import json, os, shutil, sys, urllib.request

PAGE_SIZE = 20


EXECUTORS = set()


def post(url, query, variables):
    body = json.dumps({"query": query, "variables": variables}).encode()
    req = urllib.request.Request(url, data=body, method="POST", headers={
        "content-type": "application/json", "accept": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        EXECUTORS.add(r.headers.get("newsgraph-executor", "?"))
        doc = json.loads(r.read())
    if doc.get("errors"):
        raise SystemExit(f"statements.py: {query[:60]!r} {variables}: {doc['errors']}")
    return doc["data"]


def statements(metrics_url):
    with urllib.request.urlopen(metrics_url, timeout=10) as r:
        for line in r.read().decode().splitlines():
            if line.startswith("newsgraph_sql_statements_total "):
                return float(line.split()[1])
    raise SystemExit("statements.py: no newsgraph_sql_statements_total in /metrics")


def q7_vars(url, dialect):
    text = open(os.path.join(dialect, "q7_page_1.graphql")).read()
    cursors, after = [], None
    while len(cursors) < 205:
        page = post(url, text, {"first": PAGE_SIZE, "after": after})["articles"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        cursors.append(after)
    # cursors[k] opens page k + 2; page 200 is opened by cursors[198].
    target = min(198, len(cursors) - 1)
    picked = cursors[max(0, target - 5):target + 5]
    with open(os.path.join(dialect, "q7_page_1.vars.jsonl"), "w") as f:
        f.write(json.dumps({"first": PAGE_SIZE, "after": None}) + "\n")
    with open(os.path.join(dialect, "q7_page_2.vars.jsonl"), "w") as f:
        f.write(json.dumps({"first": PAGE_SIZE, "after": cursors[0]}) + "\n")
    with open(os.path.join(dialect, "q7_page_200.vars.jsonl"), "w") as f:
        for c in picked:
            f.write(json.dumps({"first": PAGE_SIZE, "after": c}) + "\n")
    for page in ("q7_page_2", "q7_page_200"):
        shutil.copy(os.path.join(dialect, "q7_page_1.graphql"), os.path.join(dialect, page + ".graphql"))
    return target + 2


def main(url, metrics, src, dialect, queries):
    if os.path.exists(dialect):
        shutil.rmtree(dialect)
    shutil.copytree(src, dialect)
    page = q7_vars(url, dialect)
    out = {"q7_page_200_is_page": page}
    for q in [x for x in queries.split(",") if x]:
        text = open(os.path.join(dialect, q + ".graphql")).read()
        lines = [json.loads(l) for l in open(os.path.join(dialect, q + ".vars.jsonl")) if l.strip()]
        for v in lines:
            post(url, text, v)
        before = statements(metrics)
        EXECUTORS.clear()
        for v in lines:
            post(url, text, v)
        n = statements(metrics) - before
        out[q] = {"statements_per_request": round(n / len(lines), 2), "bodies": len(lines),
                  "executor": "+".join(sorted(EXECUTORS))}
    json.dump(out, sys.stdout, indent=1)


if __name__ == "__main__":
    main(*sys.argv[1:6])
