import type { Check } from "../check.js";
import type { SuiteContext } from "../context.js";
import { dataToAgent, dataToModel, endToEnd, modelToAgent } from "./integrations.js";
import { arithmetic, everyHealthEndpoint, modelListHasDeployedModel } from "./smoke.js";

/** The whole suite, in the order a reader would check the platform. */
export const acceptanceChecks: Check<SuiteContext>[] = [
  everyHealthEndpoint,
  modelListHasDeployedModel,
  dataToModel,
  modelToAgent,
  dataToAgent,
  endToEnd,
  arithmetic,
];
