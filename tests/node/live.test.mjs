// Live updates with the reference client, npm `graphql-ws` 6 over `ws`: a subscriber on one
// server hears an article ingested through another server on the same PostgreSQL database
// (two replicas, NOTIFY between them), and one on the embedded SQLite server hears its own.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const base = process.env.NEWSGRAPH_URL;
const key = process.env.NEWSGRAPH_API_KEY;
const replicaA = process.env.NEWSGRAPH_REPLICA_A;
const replicaB = process.env.NEWSGRAPH_REPLICA_B;

const INGEST = `mutation($doc: ArticleDocument!) { ingestArticle(input: $doc) { userErrors { message } article { id } } }`;

function doc(n, speaker) {
  return {
    url: `https://live.example/${n}`,
    title: `Live article ${n}`,
    body: `Body of live article ${n}.`,
    people: [{ ref: "p", name: speaker }],
    locations: [{ ref: "l", name: "Kyiv", kind: "CITY", latitude: 50.45, longitude: 30.52 }],
    statements: [{ ref: "s", text: `Statement ${n} by ${speaker}`, kind: "QUOTE", speakerRef: "p", aboutRefs: ["l"] }],
  };
}

async function ingest(url, d) {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: INGEST, variables: { doc: d } }),
  });
  const body = await res.json();
  assert.equal(body.errors, undefined, JSON.stringify(body));
  assert.deepEqual(body.data.ingestArticle.userErrors, []);
  return body.data.ingestArticle.article.id;
}

/** Subscribes and resolves with a queue reader once the server has acknowledged. */
async function subscribe(url, query, variables = {}) {
  const queue = [];
  let wake = null;
  let acked;
  const ack = new Promise((r) => (acked = r));
  const client = createClient({
    url: url.replace(/^http/, "ws") + "/graphql",
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    on: { connected: () => acked() },
  });
  const dispose = client.subscribe({ query, variables }, {
    next: (v) => { queue.push(v); wake?.(); },
    error: (e) => { queue.push({ error: e }); wake?.(); },
    complete: () => {},
  });
  await ack;
  // The protocol has no acknowledgement of a subscription: give it a moment to start.
  await new Promise((r) => setTimeout(r, 300));
  return {
    async next(ms = 5000) {
      const deadline = Date.now() + ms;
      while (queue.length === 0) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error("no event in time");
        await new Promise((r) => { wake = r; setTimeout(r, left); });
      }
      return queue.shift();
    },
    async close() { dispose(); await client.dispose(); },
  };
}

test("graphql-ws hears an article ingested on the same server", async () => {
  const sub = await subscribe(base, `subscription { statementAdded { text speaker { ... on Person { name } } about { name } } }`);
  try {
    await ingest(base, doc(1, "Olena Live"));
    const ev = await sub.next();
    assert.equal(ev.errors, undefined, JSON.stringify(ev));
    assert.deepEqual(ev.data.statementAdded, {
      text: "Statement 1 by Olena Live",
      speaker: { name: "Olena Live" },
      about: [{ name: "Kyiv" }],
    });
  } finally {
    await sub.close();
  }
});

test("a write through replica B reaches a subscriber on replica A within a second", { skip: !replicaA && "PostgreSQL replicas not started" }, async () => {
  const sub = await subscribe(replicaA, `subscription { articleIngested { title url } }`);
  try {
    await ingest(replicaB, doc(2, "Taras Remote"));
    const committed = Date.now();
    const ev = await sub.next();
    const delay = Date.now() - committed;
    assert.deepEqual(ev.data.articleIngested, { title: "Live article 2", url: "https://live.example/2" });
    assert.ok(delay < 1000, `delivered ${delay} ms after the write was acknowledged`);
  } finally {
    await sub.close();
  }
});

test("filters run on the server: another speaker's statement is not delivered", { skip: !replicaA && "PostgreSQL replicas not started" }, async () => {
  // Find the speaker's ID through the API, then subscribe to them only.
  await ingest(replicaB, doc(3, "Wanted Speaker"));
  const res = await fetch(`${replicaA}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: `{ people(filter: { name: "Wanted Speaker" }) { nodes { id } } }` }),
  });
  const id = (await res.json()).data.people.nodes[0].id;
  const sub = await subscribe(replicaA, `subscription($s: ID) { statementAdded(speakerId: $s) { text } }`, { s: id });
  try {
    await ingest(replicaB, doc(4, "Other Speaker"));
    await ingest(replicaB, doc(5, "Wanted Speaker"));
    // Events arrive in commit order: the first one heard must be the wanted speaker's.
    const ev = await sub.next();
    assert.deepEqual(ev.data.statementAdded, { text: "Statement 5 by Wanted Speaker" });
  } finally {
    await sub.close();
  }
});
