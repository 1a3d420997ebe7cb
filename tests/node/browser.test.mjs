// GraphiQL in headless Chromium with every non-localhost request blocked: the page, its
// scripts and styles must all come from the server. Runs an example tab with the run button,
// reads the result pane and saves a screenshot to artifacts/graphiql.png.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";

const base = process.env.NEWSGRAPH_URL;

test("GraphiQL works offline and runs an example query", async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const blocked = [];
    const failed = [];
    await page.route("**/*", (route) => {
      const u = new URL(route.request().url());
      if (u.hostname === "127.0.0.1" || u.hostname === "localhost" || u.protocol === "data:") return route.continue();
      blocked.push(u.href);
      return route.abort();
    });
    page.on("requestfailed", (r) => failed.push(r.url()));
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${base}/graphiql`, { waitUntil: "networkidle" });
    const run = page.locator(".graphiql-execute-button");
    await run.waitFor({ state: "visible", timeout: 15000 });
    // The first tab holds "who said what about Pokrovsk".
    await page.waitForTimeout(1000);
    await run.click();
    const result = page.locator(".graphiql-response");
    await page.waitForFunction(() => (document.querySelector(".graphiql-response")?.textContent ?? "").includes("Armed Forces of Ukraine"), null, { timeout: 15000 });
    const text = await result.textContent();
    assert.match(text, /"name": "Pokrovsk"/);
    assert.match(text, /Ministry of Defence of the Russian Federation/);
    mkdirSync("artifacts", { recursive: true });
    await page.screenshot({ path: "artifacts/graphiql.png" });
    assert.deepEqual(blocked, [], "the page asked for something outside the server");
    assert.deepEqual(errors, []);
    // Docs explorer: the schema is introspected (the button exists and opens).
    await page.locator('[aria-label="Show Documentation Explorer"]').click();
    await page.getByText("Query", { exact: false }).first().waitFor({ timeout: 10000 });
  } finally {
    await browser.close();
  }
});

test("GraphiQL runs a live subscription tab over WebSocket, offline", async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.route("**/*", (route) => {
      const u = new URL(route.request().url());
      if (u.hostname === "127.0.0.1" || u.hostname === "localhost" || u.protocol === "data:") return route.continue();
      return route.abort();
    });
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${base}/graphiql`, { waitUntil: "networkidle" });
    const run = page.locator(".graphiql-execute-button");
    await run.waitFor({ state: "visible", timeout: 15000 });
    await page.locator(".graphiql-tab", { hasText: "LiveStatements" }).click();
    await page.waitForTimeout(1000);
    await run.click();
    await page.waitForTimeout(1000);
    const res = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${process.env.NEWSGRAPH_API_KEY}` },
      body: JSON.stringify({
        query: `mutation($doc: ArticleDocument!) { ingestArticle(input: $doc) { userErrors { message } } }`,
        variables: { doc: {
          url: "https://live.example/graphiql", title: "Seen live in GraphiQL",
          people: [{ ref: "p", name: "Mykola Browser" }],
          statements: [{ ref: "s", text: "Shown in GraphiQL as it happened", kind: "QUOTE", speakerRef: "p" }],
        } },
      }),
    });
    assert.deepEqual((await res.json()).data.ingestArticle.userErrors, []);
    await page.waitForFunction(() => (document.querySelector(".graphiql-response")?.textContent ?? "").includes("Shown in GraphiQL as it happened"), null, { timeout: 15000 });
    const text = await page.locator(".graphiql-response").textContent();
    assert.match(text, /Mykola Browser/);
    assert.match(text, /Seen live in GraphiQL/);
    await page.screenshot({ path: "artifacts/graphiql-subscription.png" });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
