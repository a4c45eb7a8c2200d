import { dag, type Container } from "@dagger.io/dagger";
import { externalImages, imageRef, toolDownloadScript, type ToolMirrors } from "../topology/src/index.js";

/**
 * The tool container every cluster step runs in: kind, kubectl and helm at
 * pinned versions, each file checked against its pinned sha256 (from
 * `--tool-mirror` when given), plus the docker CLI (Kind talks to the host's
 * Docker), and Node, which the seed's check script reads JSON with.
 */
export function toolbox(mirrors?: ToolMirrors): Container {
  return dag
    .container()
    .from(imageRef(externalImages.toolbox))
    .withExec(["apk", "add", "--no-cache", "bash", "curl", "coreutils", "docker-cli", "nodejs", "openssl", "tar"])
    .withNewFile("/work/install-tools.sh", toolDownloadScript(mirrors))
    .withExec(["bash", "/work/install-tools.sh"])
    .withExec(["sh", "-ec", "kind version && kubectl version --client && helm version --short"]);
}
