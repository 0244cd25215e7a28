import assert from "node:assert/strict";
import { test } from "node:test";
import { add, subtract } from "../src/math.js";

test("add and subtract", () => {
  assert.equal(add(2, 3), 5);
  assert.equal(subtract(2, 3), -1);
});
