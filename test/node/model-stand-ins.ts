/**
 * Stand-ins for the two vLLM Deployments on the test node (vLLM cannot run
 * here: no weights, no GPU), serving the model each Service names, under the
 * Deployment's name, labels and security context; the plan's own Services
 * route to them. Never shipped. As the local acceptance runs it twice:
 *   - scripted-double: the gating run's scripted model double
 *     (test/node/model-stand-in.ts);
 *   - model-server: the recorded run's services/model-server with the small
 *     model (test/node/model-server-image.ts).
 */
import { appLabels, appSelector, appServices, containerSecurity, models, podSecurity, type Manifest } from "@one-data/topology";
import type { ModelServerVars } from "./model-server-image.js";
import { nodeImageRefs } from "./refs.js";

export type ModelStandIn = "scripted-double" | "model-server";

/** Where the kubelet probes a stand-in; a path both stand-ins serve, as vLLM does. */
export const standInReadinessPath = "/v1/models";

const served = [
  { service: appServices.vllmServing, model: models.chat },
  { service: appServices.vllmEmbedding, model: models.embedding },
] as const;

const images: Record<ModelStandIn, string> = {
  "scripted-double": nodeImageRefs.modelStandIn,
  "model-server": nodeImageRefs.modelServerStandIn,
};

/** The model id and port of the Service; the scripted double reads the same two variables as the model server. */
const servedAs = (model: string, port: number): ModelServerVars => ({ MODEL_NAME: model, PORT: String(port) });

export function modelStandIns(standIn: ModelStandIn): Manifest[] {
  return served.map(
    ({ service, model }) =>
      ({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: {
          name: service.name,
          namespace: service.namespace,
          labels: { ...appLabels(service.name, "model"), "one-data.test/stand-in": "vllm" },
        },
        spec: {
          replicas: 1,
          selector: { matchLabels: appSelector(service.name) },
          template: {
            metadata: { labels: appLabels(service.name, "model") },
            spec: {
              securityContext: podSecurity,
              automountServiceAccountToken: false,
              containers: [
                {
                  name: service.name,
                  image: images[standIn],
                  imagePullPolicy: "Never",
                  env: Object.entries(servedAs(model, service.port)).map(([name, value]) => ({ name, value })),
                  ports: [{ name: "http", containerPort: service.port }],
                  securityContext: containerSecurity,
                  readinessProbe: { httpGet: { path: standInReadinessPath, port: service.port }, periodSeconds: 2 },
                  volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                },
              ],
              volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
            },
          },
        },
      }) as Manifest,
  );
}
