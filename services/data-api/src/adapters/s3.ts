import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { AppError, dependencyTimeout, dependencyUnavailable, unprocessable, withProgressDeadline } from "@one-data/platform";
import { Readable, Transform, pipeline } from "node:stream";
import type { ObjectInfo, ObjectStorePort } from "../domain/ports.js";
import { formatStoragePath, type ObjectLocation } from "../domain/storage-path.js";

export interface S3Settings {
  endpoint: string;
  publicEndpoint?: string | undefined;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  timeoutMs: number;
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return e?.name === "NotFound" || e?.name === "NoSuchKey" || e?.name === "NoSuchBucket" || e?.$metadata?.httpStatusCode === 404;
}

/** Anything that is not an answer from the object store about the object itself means it is unavailable. */
function toS3AppError(error: unknown, timeoutMs: number): unknown {
  if (error instanceof AppError) return error;
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  if (e?.name === "TimeoutError" || e?.name === "AbortError") return dependencyTimeout("s3", timeoutMs, error);
  const status = e?.$metadata?.httpStatusCode;
  if (status === undefined || status >= 500 || status === 403) return dependencyUnavailable("s3", error);
  // Any other refusal is about the bucket or key we were given (an invalid name, a key too long): the client's.
  if (status >= 400) return unprocessable(`the object store refused the bucket or key (${e?.name ?? status})`, { status }, error);
  return error;
}

/**
 * An object's body that fails once the object store has been asked for the
 * next bytes and sent none for `idleMs` (the SDK's timeouts end with the
 * headers), and whose failures are the store's 503/504. Only time spent
 * waiting on the store counts: a consumer may take as long as it likes.
 */
function bodyWithDeadline(body: Readable, idleMs: number): Readable {
  const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  return new Readable({
    // eslint-disable-next-line @typescript-eslint/no-misused-promises -- read() catches every failure and destroys the stream with it
    async read() {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(dependencyTimeout("s3", idleMs)), idleMs);
      });
      try {
        const next = await Promise.race([chunks.next(), deadline]);
        this.push(next.done ? null : next.value);
      } catch (error) {
        this.destroy(toS3AppError(error, idleMs) as Error);
      } finally {
        clearTimeout(timer);
      }
    },
    destroy(error, callback) {
      body.destroy();
      callback(error);
    },
  });
}

/**
 * The object store as the Data API uses it. The SDK retries once at most and
 * every call is bounded, so a dead MinIO surfaces as a 503 quickly.
 */
export class ObjectStore implements ObjectStorePort {
  private readonly client: S3Client;
  private readonly presignClient: S3Client;
  private readonly timeoutMs: number;

  constructor(settings: S3Settings) {
    this.timeoutMs = settings.timeoutMs;
    const make = (endpoint: string) =>
      new S3Client({
        endpoint,
        region: settings.region,
        forcePathStyle: true,
        credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
        maxAttempts: 2,
        requestHandler: { connectionTimeout: settings.timeoutMs, requestTimeout: settings.timeoutMs },
      });
    this.client = make(settings.endpoint);
    this.presignClient = settings.publicEndpoint ? make(settings.publicEndpoint) : this.client;
  }

  private async call<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      return await work(signal);
    } catch (error) {
      throw toS3AppError(error, this.timeoutMs);
    }
  }

  async ping(bucket: string): Promise<void> {
    await this.call((abortSignal) => this.client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal }));
  }

  async ensureBucket(bucket: string): Promise<void> {
    try {
      await this.ping(bucket);
    } catch (error) {
      if (!isNotFound((error as { cause?: unknown }).cause ?? error)) throw error;
      await this.call((abortSignal) => this.client.send(new CreateBucketCommand({ Bucket: bucket }), { abortSignal })).catch(
        (createError: unknown) => {
          const name = (createError as { cause?: { name?: string } }).cause?.name ?? (createError as { name?: string }).name;
          if (name !== "BucketAlreadyOwnedByYou" && name !== "BucketAlreadyExists") throw createError;
        },
      );
    }
  }

  /** Object metadata, or undefined when the bucket or key does not exist. */
  async stat(location: ObjectLocation): Promise<ObjectInfo | undefined> {
    try {
      const head = await this.call((abortSignal) =>
        this.client.send(new HeadObjectCommand({ Bucket: location.bucket, Key: location.key }), { abortSignal }),
      );
      return { size: head.ContentLength ?? 0, etag: head.ETag, contentType: head.ContentType };
    } catch (error) {
      if (isNotFound(error) || isNotFound((error as { cause?: unknown }).cause)) return undefined;
      throw error;
    }
  }

  /**
   * A readable stream of the object's bytes; the caller consumes it at its own
   * pace. MinIO stopping or dropping the connection in the middle of the body
   * fails the stream with a 504 or 503 like any other call to it.
   */
  async open(location: ObjectLocation): Promise<Readable> {
    try {
      // No abort signal here: it would cut the body off mid-stream for large objects; the body's own deadline bounds it.
      const response = await this.client.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
      return bodyWithDeadline(response.Body as Readable, this.timeoutMs);
    } catch (error) {
      if (isNotFound(error)) throw unprocessable(`object ${formatStoragePath(location)} does not exist`);
      throw toS3AppError(error, this.timeoutMs);
    }
  }

  /**
   * Streams a body into the bucket with a multipart upload (parts of 8 MiB,
   * two in flight), so memory stays bounded whatever the size. Bounded by a
   * progress deadline: when neither the body advances nor MinIO acknowledges
   * a part for the S3 timeout (MinIO hung), the upload is aborted and fails
   * with a 504 instead of waiting as long as the hang lasts.
   */
  async upload(location: ObjectLocation, body: Readable, contentType?: string): Promise<void> {
    try {
      await withProgressDeadline("s3", this.timeoutMs, async (signal, progress) => {
        // Each chunk the SDK pulls from the body counts as progress; backpressure is kept.
        const counted = new Transform({
          transform(chunk: Buffer, _encoding, done) {
            progress();
            done(null, chunk);
          },
        });
        pipeline(body, counted, () => undefined);
        const abortController = new AbortController();
        signal.addEventListener("abort", () => abortController.abort(), { once: true });
        const upload = new Upload({
          client: this.client,
          params: { Bucket: location.bucket, Key: location.key, Body: counted, ContentType: contentType },
          partSize: 8 * 1024 * 1024,
          queueSize: 2,
          leavePartsOnError: false,
          abortController,
        });
        upload.on("httpUploadProgress", progress);
        await upload.done();
      });
    } catch (error) {
      throw toS3AppError(error, this.timeoutMs);
    }
  }

  async remove(location: ObjectLocation): Promise<void> {
    await this.call((abortSignal) =>
      this.client.send(new DeleteObjectCommand({ Bucket: location.bucket, Key: location.key }), { abortSignal }),
    );
  }

  async presignGet(location: ObjectLocation, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(this.presignClient, new GetObjectCommand({ Bucket: location.bucket, Key: location.key }), {
      expiresIn: expiresInSeconds,
    });
  }

  destroy(): void {
    this.client.destroy();
    if (this.presignClient !== this.client) this.presignClient.destroy();
  }
}
