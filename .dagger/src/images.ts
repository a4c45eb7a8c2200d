import { dag, type Container, type Directory } from "@dagger.io/dagger";
import { externalImages, imageRef, ourImages, type OurImageKey } from "../../packages/topology/src/index.js";

/** Files a build needs: manifests and sources, never installed or built output. */
const buildInputs = {
  include: ["package.json", "package-lock.json", "tsconfig.base.json", "packages/**", "services/**", "test/**"],
  exclude: ["**/node_modules", "**/dist", ".local", "**/.local", "**/*.tsbuildinfo"],
};

/** Node 20 LTS with the workspace sources and all dependencies installed (the build stage). */
export function workspaceBuilder(source: Directory): Container {
  return dag
    .container()
    .from(imageRef(externalImages.node))
    .withWorkdir("/app")
    .withMountedCache("/root/.npm", dag.cacheVolume("one-data-npm"))
    // node-llama-cpp's postinstall would look for (and maybe download or build)
    // llama.cpp; the model server loads the prebuilt binary npm installed.
    .withEnvVariable("NODE_LLAMA_CPP_SKIP_DOWNLOAD", "true")
    .withDirectory("/app", source, buildInputs)
    .withExec(["npm", "ci", "--no-audit", "--no-fund"])
    .withExec(["npm", "run", "build", "-w", "packages/platform"]);
}

/**
 * A service image: built in the build stage, then a fresh Node 20 image with
 * production dependencies only, the compiled output, and the non-root `node`
 * user (uid 1000, the uid the manifests' securityContext runs as).
 */
export function serviceImage(source: Directory, key: OurImageKey): Container {
  const workspace = ourImages[key].workspace;
  const built = workspaceBuilder(source).withExec(["npm", "run", "build", "-w", workspace]);
  // Every workspace's package.json, so `npm ci` finds the lockfile consistent.
  const manifests = source.filter({
    include: ["package.json", "package-lock.json", "**/package.json"],
    exclude: ["**/node_modules/**", ".dagger/**"],
  });
  return dag
    .container()
    .from(imageRef(externalImages.node))
    .withWorkdir("/app")
    .withMountedCache("/root/.npm", dag.cacheVolume("one-data-npm"))
    .withDirectory("/app", manifests)
    .withExec(["npm", "ci", "--omit=dev", "--no-audit", "--no-fund", "-w", workspace, "-w", "packages/platform"])
    .withDirectory("/app/packages/platform/dist", built.directory("/app/packages/platform/dist"))
    .withDirectory(`/app/${workspace}/dist`, built.directory(`/app/${workspace}/dist`))
    .withEnvVariable("NODE_ENV", "production")
    .withWorkdir(`/app/${workspace}`)
    .withUser("node")
    .withEntrypoint(["node"])
    .withDefaultArgs(["dist/main.js"]);
}
