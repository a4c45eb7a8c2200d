import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { appSelector } from "./labels.js";
import { appServices, namespaces, serviceHost } from "./names.js";

/**
 * Optional (`deploy --istio`): the seed's Istio step, a Gateway on the
 * default ingress gateway and a VirtualService sending `/v1/` to vLLM.
 * Istio itself must already be installed in the cluster.
 */
const istioGateway = { name: "one-data-gateway", namespace: namespaces.model } as const;

export function istioManifests() {
  return [
    {
      apiVersion: "networking.istio.io/v1",
      kind: "Gateway",
      metadata: { name: istioGateway.name, namespace: istioGateway.namespace },
      spec: {
        selector: { istio: "ingressgateway" },
        servers: [{ port: { number: 80, name: "http", protocol: "HTTP" }, hosts: ["*"] }],
      },
    },
    {
      apiVersion: "networking.istio.io/v1",
      kind: "VirtualService",
      metadata: { name: "vllm-openai", namespace: istioGateway.namespace },
      spec: {
        hosts: ["*"],
        gateways: [istioGateway.name],
        http: [
          {
            match: [{ uri: { prefix: "/v1/" } }],
            route: [
              {
                destination: {
                  host: serviceHost(appServices.vllmServing),
                  port: { number: appServices.vllmServing.port },
                },
              },
            ],
            timeout: "300s",
          },
        ],
      },
    },
  ] as const;
}

/** With Istio on, the ingress gateway (istio-system) may reach the chat server. */
export function istioIngressPolicy(): INetworkPolicy {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "allow-istio-ingress-to-vllm-serving", namespace: namespaces.model },
    spec: {
      podSelector: { matchLabels: appSelector(appServices.vllmServing.name) },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "istio-system" } },
              podSelector: { matchLabels: { istio: "ingressgateway" } },
            },
          ],
          ports: [{ protocol: "TCP", port: appServices.vllmServing.port }],
        },
      ],
    },
  };
}
