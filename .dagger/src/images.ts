import { dag, type Container, type Directory } from "@dagger.io/dagger";
import {
  allImagesBuildInputs,
  externalImages,
  fileDigestsCommand,
  imageBuildInputs,
  imageLayout,
  imageRef,
  imageTags,
  installInputs,
  npmSourceEnv,
  parseFileDigests,
  serviceImageRuntime,
  type DownloadSources,
  type ImageTags,
  type OurImageKey,
  type SourceFilter,
} from "../topology/src/index.js";

/** The pinned Node image with npm's cache, working in /app, installing from `--npm-registry` when given. */
function nodeBase(sources?: DownloadSources): Container {
  const base = dag
    .container()
    .from(imageRef(externalImages.node))
    .withWorkdir("/app")
    .withMountedCache("/root/.npm", dag.cacheVolume("one-data-npm"));
  return Object.entries(npmSourceEnv(sources)).reduce((c, [name, value]) => c.withEnvVariable(name, value), base);
}

/**
 * `npm ci` without node-llama-cpp's postinstall, which would look for (and
 * maybe download or build) llama.cpp: the model server loads the prebuilt
 * binary npm installed. The switch does not stay in the image.
 */
function npmCi(container: Container, args: string[]): Container {
  return container
    .withEnvVariable("NODE_LLAMA_CPP_SKIP_DOWNLOAD", "true")
    .withExec(["npm", "ci", "--no-audit", "--no-fund", ...args])
    .withoutEnvVariable("NODE_LLAMA_CPP_SKIP_DOWNLOAD");
}

/** Node with the workspace sources and all dependencies installed (the build stage; tests run from source). */
export function workspaceBuilder(source: Directory, inputs: SourceFilter, sources?: DownloadSources): Container {
  return npmCi(nodeBase(sources).withDirectory("/app", source, { include: [...inputs.include], exclude: [...inputs.exclude] }), []);
}

/**
 * A service image (layout in .dagger/topology `imageLayout`): its workspace
 * and the workspaces of ours it imports, compiled in the build stage in
 * dependency order, then a fresh Node image with production dependencies
 * only, the compiled output and run-time files, and the non-root `node` user
 * (uid 1000, the uid the manifests' securityContext runs as).
 */
export function serviceImage(source: Directory, key: OurImageKey, sources?: DownloadSources): Container {
  const { workspaces, shipped, workdir } = imageLayout(key);
  const built = workspaces.reduce(
    (stage, ws) => stage.withExec(["npm", "run", "build", "-w", ws]),
    workspaceBuilder(source, imageBuildInputs(key), sources),
  );
  const manifests = source.filter({ include: [...installInputs.include], exclude: [...installInputs.exclude] });
  const installed = npmCi(nodeBase(sources).withDirectory("/app", manifests), ["--omit=dev", ...workspaces.flatMap((ws) => ["-w", ws])]);
  // The registry was for the build: it does not stay in the image.
  const shippedImage = shipped.reduce((image, path) => image.withDirectory(`/app/${path}`, built.directory(`/app/${path}`)), installed);
  return Object.keys(npmSourceEnv(sources))
    .reduce((image, name) => image.withoutEnvVariable(name), shippedImage)
    .with((image) => Object.entries(serviceImageRuntime.env).reduce((c, [name, value]) => c.withEnvVariable(name, value), image))
    .withWorkdir(`/app/${workdir}`)
    .withUser(serviceImageRuntime.user)
    .withEntrypoint([...serviceImageRuntime.entrypoint])
    .withDefaultArgs([...serviceImageRuntime.cmd]);
}

/** Each image's tag from the files its build reads, listed with their sha256 in a throwaway container. */
export async function sourceImageTags(source: Directory): Promise<ImageTags> {
  const { include, exclude } = allImagesBuildInputs();
  const listing = await dag
    .container()
    .from(imageRef(externalImages.toolbox))
    .withMountedDirectory("/src", source.filter({ include: [...include], exclude: [...exclude] }))
    .withWorkdir("/src")
    .withExec(["sh", "-c", fileDigestsCommand])
    .stdout();
  return imageTags(parseFileDigests(listing));
}
