import * as core from "kubernetes-models";
import * as istio from "@kubernetes-models/istio";

/**
 * Offline validation against the Kubernetes 1.36 OpenAPI schemas that
 * kubernetes-models 5.1.0 ships (the Kind node image is v1.36.1), and the
 * Istio CRD schemas from @kubernetes-models/istio.
 */
type ModelClass = new (data: unknown) => { validate(): void };
type GroupModule = Record<string, Record<string, unknown>>;

function groupKey(apiVersion: string): { group: string; version: string } {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  return { group: group ?? "", version: version ?? "" };
}

function camel(group: string): string {
  return group.replace(/\.([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function modelFor(apiVersion: string, kind: string): ModelClass {
  const { group, version } = groupKey(apiVersion);
  const source = (group.endsWith("istio.io") ? istio : core) as unknown as GroupModule;
  const ns = group === "" ? source["v1"] : (source[camel(group)] as GroupModule | undefined)?.[version];
  const model = (ns as Record<string, unknown> | undefined)?.[kind];
  if (typeof model !== "function") throw new Error(`no schema for ${apiVersion} ${kind}`);
  return model as ModelClass;
}

export function validateManifest(manifest: { apiVersion: string; kind: string }): void {
  const Model = modelFor(manifest.apiVersion, manifest.kind);
  new Model(manifest).validate();
}
