/**
 * Stand-ins for the two vLLM Deployments on the test node (vLLM cannot run
 * here: no weights, no GPU): the gating acceptance's scripted model double
 * (test/node/model-stand-in.ts) serving the model each Service names, under
 * the Deployment's name, labels and security context; the plan's own
 * Services route to them. Never shipped.
 */
import { appLabels, appSelector, appServices, containerSecurity, models, podSecurity, type Manifest } from "@one-data/topology";
import { nodeImageRefs } from "./refs.js";

const served = [
  { service: appServices.vllmServing, model: models.chat },
  { service: appServices.vllmEmbedding, model: models.embedding },
] as const;

export function modelStandIns(): Manifest[] {
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
                  image: nodeImageRefs.modelStandIn,
                  imagePullPolicy: "Never",
                  env: [
                    { name: "MODEL_NAME", value: model },
                    { name: "PORT", value: String(service.port) },
                  ],
                  ports: [{ name: "http", containerPort: service.port }],
                  securityContext: containerSecurity,
                  readinessProbe: { httpGet: { path: "/v1/models", port: service.port }, periodSeconds: 2 },
                },
              ],
            },
          },
        },
      }) as Manifest,
  );
}
