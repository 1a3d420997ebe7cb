// A widely used client against the server, the served schema validated by the reference
// implementation, and every documented operation validated against it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GraphQLClient, gql } from "graphql-request";
import { buildClientSchema, getIntrospectionQuery, validateSchema, parse, validate, buildSchema, printSchema } from "graphql";
import { generate } from "@graphql-codegen/cli";

const base = process.env.NEWSGRAPH_URL;
const root = new URL("../../", import.meta.url).pathname;
const client = new GraphQLClient(`${base}/graphql`);

async function servedSchema() {
  const introspection = await client.request(getIntrospectionQuery());
  return buildClientSchema(introspection);
}

/// Every ```graphql block of the README, and every file in examples/.
function documentedOperations() {
  const ops = [];
  const readme = readFileSync(join(root, "README.md"), "utf8");
  for (const m of readme.matchAll(/```graphql\n([\s\S]*?)```/g)) ops.push({ where: "README.md", source: m[1] });
  for (const f of readdirSync(join(root, "examples")).filter((f) => f.endsWith(".graphql"))) {
    ops.push({ where: `examples/${f}`, source: readFileSync(join(root, "examples", f), "utf8") });
  }
  return ops;
}

test("graphql-request reads the sample graph", async () => {
  const data = await client.request(
    gql`query ($name: String!) { person(name: $name) { name role statements(first: 1) { totalCount } } }`,
    { name: "zelensky" },
  );
  assert.equal(data.person.name, "Volodymyr Zelenskyy");
  assert.equal(data.person.statements.totalCount, 5);
  await assert.rejects(client.request(gql`{ articles(first: 101) { totalCount } }`), /between 0 and 100/);
});

test("the served schema is valid and equals schema.graphql", async () => {
  const schema = await servedSchema();
  assert.deepEqual(validateSchema(schema), []);
  const published = buildSchema(readFileSync(join(root, "schema.graphql"), "utf8"));
  assert.equal(printSchema(schema), printSchema(published));
});

test("every type and field has a description for frontend developers", async () => {
  const schema = await servedSchema();
  const missing = [];
  for (const t of Object.values(schema.getTypeMap())) {
    if (t.name.startsWith("__") || ["String", "Int", "Float", "Boolean", "ID"].includes(t.name)) continue;
    if (!t.description) missing.push(t.name);
    if (typeof t.getFields === "function") {
      for (const f of Object.values(t.getFields())) if (!f.description) missing.push(`${t.name}.${f.name}`);
    }
  }
  assert.deepEqual(missing, []);
});

test("every operation in the README and examples/ validates against the served schema", async () => {
  const schema = await servedSchema();
  const ops = documentedOperations();
  assert.ok(ops.length >= 10, `found only ${ops.length} documented operations`);
  for (const { where, source } of ops) {
    const errors = validate(schema, parse(source));
    assert.deepEqual(errors.map((e) => e.message), [], `${where}:\n${source}`);
  }
});

test("TypeScript types can be generated from schema.graphql with graphql-codegen", async () => {
  const dir = mkdtempSync(join(tmpdir(), "newsgraph-codegen-"));
  const out = join(dir, "newsgraph.ts");
  writeFileSync(join(dir, "ops.graphql"), readFileSync(join(root, "examples", "1-who-said-what-about-pokrovsk.graphql")));
  await generate(
    {
      schema: join(root, "schema.graphql"),
      documents: join(dir, "ops.graphql"),
      generates: { [out]: { plugins: ["typescript", "typescript-operations"] } },
      silent: true,
    },
    true,
  );
  const ts = readFileSync(out, "utf8");
  assert.match(ts, /export type Article = /);
  assert.match(ts, /export type WhoSaidWhatAboutPokrovskQuery = /);
});
