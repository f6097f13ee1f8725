// The console's pure functions, with node's test runner (run by tests/unit/test_console_js.py).
import assert from "node:assert/strict";
import { test } from "node:test";
import { bucketPath, siteRoot } from "../src/api.js";
import { lineDiff } from "../src/diff.js";
import { tokens } from "../src/syntax.js";
import { clause } from "../src/views/data.js";

test("the site root is what comes before /console, so the API is found behind a stage prefix", () => {
  assert.equal(siteRoot("/console"), "");
  assert.equal(siteRoot("/api/console"), "/api");
  assert.equal(siteRoot("/api/console/"), "/api");
});

test("bucket paths follow Kii's scopes and escape their IDs", () => {
  const kii = { app: "/api/apps/a1" };
  assert.equal(bucketPath(kii, "app", "", "tasks"), "/api/apps/a1/buckets/tasks");
  assert.equal(bucketPath(kii, "user", "u 1", "b"), "/api/apps/a1/users/u%201/buckets/b");
  assert.equal(bucketPath(kii, "group", "g1", "b"), "/api/apps/a1/groups/g1/buckets/b");
  assert.equal(bucketPath(kii, "thing", "th.1", "b"), "/api/apps/a1/things/th.1/buckets/b");
});

test("the query builder makes Kii's clauses, with typed values where they parse as JSON", () => {
  assert.deepEqual(clause("all", "", ""), { type: "all" });
  assert.deepEqual(clause("eq", "n", "3"), { type: "eq", field: "n", value: 3 });
  assert.deepEqual(clause("eq", "s", "abc"), { type: "eq", field: "s", value: "abc" });
  assert.deepEqual(clause("prefix", "s", "ab"), { type: "prefix", field: "s", prefix: "ab" });
  assert.deepEqual(clause("gte", "n", "2"), { type: "range", field: "n", lowerLimit: 2, lowerIncluded: true });
  assert.deepEqual(clause("lte", "n", "2"), { type: "range", field: "n", upperLimit: 2, upperIncluded: true });
});

test("the line diff keeps common lines and marks the changed ones", () => {
  assert.deepEqual(lineDiff("a\nb\nc", "a\nx\nc"), [[" ", "a"], ["-", "b"], ["+", "x"], [" ", "c"]]);
  assert.deepEqual(lineDiff("a", "a"), [[" ", "a"]]);
  assert.deepEqual(lineDiff("", "x"), [["-", ""], ["+", "x"]]);
  assert.deepEqual(lineDiff("a\nb", "b\nc"), [["-", "a"], [" ", "b"], ["+", "c"]]);
});

test("the highlighter tells comments, strings, numbers and keywords apart and loses no text", () => {
  const source = 'function f(p) { // say\n  return "a" + 12; }';
  const found = tokens(source);
  assert.equal(found.map(([, text]) => text).join(""), source);
  assert.deepEqual(
    found.filter(([kind]) => kind),
    [["keyword", "function"], ["comment", "// say"], ["keyword", "return"], ["string", '"a"'], ["number", "12"]],
  );
});

test("a next run is said relative to now, in days, hours and minutes", async () => {
  const { fromNow } = await import("../src/views/schedules.js");
  const now = Date.UTC(2026, 10, 27, 17, 46);
  assert.equal(fromNow(Date.UTC(2026, 10, 30, 9, 0), now), "in 2 d 15 h 14 min");
  assert.equal(fromNow(now + 60000, now), "in 1 min");
  assert.equal(fromNow(now, now), "");
});
