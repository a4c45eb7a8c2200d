import { ourImages, type OurImageKey } from "./images.js";
import { appServices } from "./names.js";
import { connectPrelude, type Env } from "./plan.js";

/**
 * What `verify` tests is what `deploy` deployed: the image tag (and registry)
 * are read from our running Deployments, never recomputed from the source,
 * which may have changed since.
 */
const deployedApps = ["dataApi", "agentApi"] as const satisfies readonly (keyof typeof appServices & OurImageKey)[];

/** Prints `<namespace>/<deployment> <image>` for each of our Deployments (a missing one prints nothing). */
export function deployedImagesScript(env: Env): string {
  return [
    connectPrelude(env),
    ...deployedApps.map((key) => {
      const { namespace, name } = appServices[key];
      return `kubectl -n ${namespace} get deployment ${name} -o jsonpath='{.metadata.namespace}/{.metadata.name} {.spec.template.spec.containers[0].image}{"\\n"}' 2>/dev/null || true`;
    }),
  ].join("\n");
}

export interface DeployedImages {
  readonly imageTag: string;
  /** Registry prefix the images were pushed to; absent for Kind's loaded images. */
  readonly registry?: string;
}

/** Splits `[registry/]name:tag` of one of our images; `docker.io/library/` is Kind's local prefix. */
function splitOurImage(key: OurImageKey, ref: string): DeployedImages | undefined {
  const name = ourImages[key].name;
  const match = new RegExp(`^(?:(.+)/)?${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:([^/:@]+)$`).exec(ref);
  if (!match) return undefined;
  const [, prefix, imageTag] = match as unknown as [string, string | undefined, string];
  return prefix && prefix !== "docker.io/library" ? { imageTag, registry: prefix } : { imageTag };
}

/** Reads the output of `deployedImagesScript`; throws when deploy has not (fully) run or left mixed tags. */
export function parseDeployedImages(output: string): DeployedImages {
  const found = new Map<string, string>();
  for (const line of output.split("\n")) {
    const [where, image] = line.trim().split(/\s+/);
    if (where && image) found.set(where, image);
  }
  const seen: DeployedImages[] = [];
  for (const key of deployedApps) {
    const { namespace, name } = appServices[key];
    const image = found.get(`${namespace}/${name}`);
    if (!image) throw new Error(`Deployment ${namespace}/${name} not found: run \`dagger call deploy\` first`);
    const parsed = splitOurImage(key, image);
    if (!parsed) throw new Error(`Deployment ${namespace}/${name} runs ${image}, which is not ${ourImages[key].name} as deploy names it`);
    seen.push(parsed);
  }
  const [first, ...rest] = seen as [DeployedImages, ...DeployedImages[]];
  for (const other of rest) {
    if (other.imageTag !== first.imageTag || other.registry !== first.registry) {
      throw new Error(`our Deployments run different builds (${describe(first)} and ${describe(other)}): re-run \`dagger call deploy\``);
    }
  }
  return first;
}

const describe = (d: DeployedImages) => `${d.registry ? `${d.registry}/…` : "…"}:${d.imageTag}`;
