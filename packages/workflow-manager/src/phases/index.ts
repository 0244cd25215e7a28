import type { Phase } from "../types.js";
import { branchCreationPhase } from "./branch.js";
import { documentationPhase } from "./documentation.js";
import { implementationPhase } from "./implementation.js";
import { issueCreationPhase } from "./issue.js";
import { prCreationPhase } from "./pr.js";
import { reviewPhase } from "./review.js";
import { setupPhase } from "./setup.js";
import { testingPhase } from "./testing.js";

export {
  branchCreationPhase,
  documentationPhase,
  implementationPhase,
  issueCreationPhase,
  prCreationPhase,
  reviewPhase,
  setupPhase,
  testingPhase,
};

/** The eight phases, in workflow order. */
export const DEFAULT_PHASES: readonly Phase[] = Object.freeze([
  setupPhase,
  issueCreationPhase,
  branchCreationPhase,
  implementationPhase,
  testingPhase,
  documentationPhase,
  prCreationPhase,
  reviewPhase,
]);

/** A fresh copy of the default plan, to extend or wrap. */
export function createDefaultPhases(): Phase[] {
  return [...DEFAULT_PHASES];
}
