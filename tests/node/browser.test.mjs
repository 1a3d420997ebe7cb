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
