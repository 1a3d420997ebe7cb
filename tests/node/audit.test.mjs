// GraphQL-over-HTTP conformance: graphql-http's server audits against the running server.
// Every MUST (status "error" when failing) has to pass; SHOULD/MAY results are printed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, mkdirSync } from "node:fs";
import { serverAudits } from "graphql-http";

const url = `${process.env.NEWSGRAPH_URL}/graphql`;

test("the graphql-http server audit passes every MUST", async () => {
  const results = [];
  for (const audit of serverAudits({ url })) {
    try {
      results.push(await audit.fn());
    } catch (err) {
      results.push({ id: audit.id, name: audit.name, status: "error", reason: `threw: ${err?.message ?? err}` });
    }
  }
  const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
  for (const r of results) counts[r.status] += 1;
  const report = results
    .filter((r) => r.status !== "ok")
    .map((r) => `[${r.status}] ${r.name}${r.reason ? ` — ${r.reason}` : ""}`);
  console.log(`graphql-http audit: ${results.length} audits: pass ${counts.ok}, notice ${counts.notice}, warn ${counts.warn}, error ${counts.error}`);
  for (const line of report) console.log(`  ${line}`);
  mkdirSync("artifacts", { recursive: true });
  writeFileSync("artifacts/audit.json", JSON.stringify({ counts, report }, null, 2));
  assert.equal(counts.error, 0, report.filter((l) => l.startsWith("[error]")).join("\n"));
});
