// Fan-out benchmark: N idle subscribers (one WebSocket each, graphql-transport-ws), then a
// burst of M ingests; measures deliveries per second and the delay from commit to delivery.
// Usage: node fanout.mjs URL KEY [N=1000] [M=200] [CONCURRENCY=2] [IDLE_S=5]
import WebSocket from "ws";
import { performance } from "node:perf_hooks";

const [url, key, N = "1000", M = "200", C = "2", IDLE = "5"] = process.argv.slice(2);
const n = Number(N), m = Number(M), conc = Number(C), idle = Number(IDLE);
const wsUrl = url.replace(/^http/, "ws") + "/graphql";
const received = []; // [title, t]
let acked = 0;

function open(i) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, "graphql-transport-ws");
    ws.on("open", () => ws.send(JSON.stringify({ type: "connection_init", payload: {} })));
    ws.on("error", reject);
    ws.on("message", (raw) => {
      const t = performance.now();
      const msg = JSON.parse(raw);
      if (msg.type === "connection_ack") {
        ws.send(JSON.stringify({ type: "subscribe", id: "s", payload: { query: "subscription { articleIngested { id title } }" } }));
        acked++;
        resolve(ws);
      } else if (msg.type === "next") {
        received.push([msg.payload.data.articleIngested.title, t]);
      } else if (msg.type === "error") {
        console.error(`subscriber ${i}:`, JSON.stringify(msg));
      }
    });
    ws.on("close", (code, reason) => { if (code !== 1000 && code !== 1005) console.error(`subscriber ${i} closed ${code} ${reason}`); });
  });
}

async function metric(name) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(name + " "));
  return line ? Number(line.split(" ")[1]) : NaN;
}

const sockets = [];
for (let i = 0; i < n; i += 100) {
  sockets.push(...(await Promise.all(Array.from({ length: Math.min(100, n - i) }, (_, j) => open(i + j)))));
}
while ((await metric("newsgraph_live_subscriptions")) < n) await new Promise((r) => setTimeout(r, 50));
console.error(`${n} subscribers listening; idle for ${idle} s`);
await new Promise((r) => setTimeout(r, idle * 1000));

const sent = new Map(), acknowledged = new Map();
const INGEST = "mutation($d: ArticleDocument!) { ingestArticle(input: $d) { userErrors { message } } }";
const runId = Date.now();
let next = 0;
async function worker() {
  while (next < m) {
    const k = next++;
    const title = `Fan-out ${runId} #${k}`;
    const body = JSON.stringify({ query: INGEST, variables: { d: { url: `https://bench.example/${runId}/${k}`, title, body: "Fan-out benchmark article." } } });
    sent.set(title, performance.now());
    const res = await fetch(`${url}/graphql`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body });
    const json = await res.json();
    acknowledged.set(title, performance.now());
    if (json.errors || json.data.ingestArticle.userErrors.length) console.error(JSON.stringify(json));
  }
}
const t0 = performance.now();
await Promise.all(Array.from({ length: conc }, worker));
const ingestDone = performance.now();
const expected = n * m;
const deadline = performance.now() + 60_000;
while (received.filter(([t]) => sent.has(t)).length < expected && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
const mine = received.filter(([t]) => sent.has(t));
const last = mine.reduce((m, [, t]) => Math.max(m, t), 0);
const maxOf = (xs) => xs.reduce((m, x) => Math.max(m, x), -Infinity);
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]; };
const sinceAck = mine.map(([title, t]) => t - acknowledged.get(title));
const sinceSend = mine.map(([title, t]) => t - sent.get(title));
const result = {
  subscribers: n, events: m, ingestConcurrency: conc,
  deliveriesExpected: expected, deliveriesReceived: mine.length,
  ingestSeconds: +((ingestDone - t0) / 1000).toFixed(2),
  ingestsPerSecond: +(m / ((ingestDone - t0) / 1000)).toFixed(1),
  deliverySeconds: +((last - t0) / 1000).toFixed(2),
  deliveriesPerSecond: Math.round(mine.length / ((last - t0) / 1000)),
  delayAfterAckMs: { p50: +pct(sinceAck, 50).toFixed(1), p99: +pct(sinceAck, 99).toFixed(1), max: +maxOf(sinceAck).toFixed(1) },
  delayAfterSendMs: { p50: +pct(sinceSend, 50).toFixed(1), p99: +pct(sinceSend, 99).toFixed(1), max: +maxOf(sinceSend).toFixed(1) },
};
console.log(JSON.stringify(result));
for (const ws of sockets) ws.close();
process.exit(mine.length === expected ? 0 : 1);
