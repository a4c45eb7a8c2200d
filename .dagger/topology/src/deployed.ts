import { ourImages, type OurImageKey } from "./images.js";
import { appServices, deployedImagesRecord } from "./names.js";
import { connectPrelude, type Env } from "./plan.js";

/**
 * What `verify` tests is what `deploy` deployed: the images are read from the
 * record deploy applied and from our running Deployments, never recomputed
 * from the source, which may have changed since. Each image has its own tag,
 * so the acceptance image's comes from the record.
 */
const deployedApps = ["dataApi", "agentApi"] as const satisfies readonly (keyof typeof appServices & OurImageKey)[];

const recordPrefix = "record/";

/**
 * Prints `<namespace>/<deployment> <image>` for each of our Deployments and
 * `record/<image key> <image>` for each entry of deploy's record (a missing
 * one prints nothing).
 */
export function deployedImagesScript(env: Env): string {
  const { namespace, name } = deployedImagesRecord;
  return [
    connectPrelude(env),
    ...deployedApps.map((key) => {
      const app = appServices[key];
      return `kubectl -n ${app.namespace} get deployment ${app.name} -o jsonpath='{.metadata.namespace}/{.metadata.name} {.spec.template.spec.containers[0].image}{"\\n"}' 2>/dev/null || true`;
    }),
    ...(Object.keys(ourImages) as OurImageKey[]).map(
      (key) =>
        `kubectl -n ${namespace} get configmap ${name} -o jsonpath='${recordPrefix}${key} {.data.${key}}{"\\n"}' 2>/dev/null || true`,
    ),
  ].join("\n");
}

export interface DeployedImages {
  /** The acceptance image's tag as deploy recorded it. */
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

/**
 * Reads the output of `deployedImagesScript`; throws when deploy has not
 * (fully) run, or when a Deployment runs another build than deploy recorded.
 */
export function parseDeployedImages(output: string): DeployedImages {
  const found = new Map<string, string>();
  for (const line of output.split("\n")) {
    const [where, image] = line.trim().split(/\s+/);
    if (where && image) found.set(where, image);
  }
  const { namespace, name } = deployedImagesRecord;
  const recorded = (key: OurImageKey) => {
    const image = found.get(`${recordPrefix}${key}`);
    if (!image) throw new Error(`ConfigMap ${namespace}/${name} has no ${key} image: run \`dagger call deploy\` first`);
    return image;
  };
  for (const key of deployedApps) {
    const app = appServices[key];
    const image = found.get(`${app.namespace}/${app.name}`);
    if (!image) throw new Error(`Deployment ${app.namespace}/${app.name} not found: run \`dagger call deploy\` first`);
    if (!splitOurImage(key, image))
      throw new Error(`Deployment ${app.namespace}/${app.name} runs ${image}, which is not ${ourImages[key].name} as deploy names it`);
    if (image !== recorded(key)) {
      throw new Error(
        `Deployment ${app.namespace}/${app.name} runs ${image} where deploy recorded ${recorded(key)}: re-run \`dagger call deploy\``,
      );
    }
  }
  const acceptance = splitOurImage("acceptance", recorded("acceptance"));
  if (!acceptance)
    throw new Error(`ConfigMap ${namespace}/${name} names ${recorded("acceptance")}, which is not ${ourImages.acceptance.name}`);
  return acceptance;
}
