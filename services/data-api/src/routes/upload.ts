import type Router from "@koa/router";
import { AppError, invalidRequest, parseInput, payloadTooLarge, success, unsupportedMediaType } from "@one-data/platform";
import busboy from "busboy";
import type { Context } from "koa";
import { randomUUID } from "node:crypto";
import type { Readable } from "node:stream";
import { type Dataset, uploadFields } from "@one-data/data-api-contract";
import type { AppDependencies } from "../app-dependencies.js";
import { formatStoragePath, type ObjectLocation } from "../domain/storage-path.js";
import { storedContentType } from "../domain/formats.js";
import { apiObjectPrefixes } from "../domain/identifiers.js";
import { isKnowledgeFormat } from "../domain/knowledge.js";

/** Object keys keep the client's file name readable but safe: no path separators, no control characters. */
function safeFileName(name: string | undefined): string {
  const base = (name ?? "").split(/[\\/]/).pop() ?? "";
  const cleaned = base
    .replace(/[^\p{L}\p{N}._-]+/gu, "_")
    .replace(/^\.+/, "")
    .slice(0, 200);
  return cleaned || "upload";
}

interface Received {
  fields: Record<string, string>;
  location: ObjectLocation;
}

/**
 * Streams the `file` part of a multipart form straight into the bucket
 * (never holding the file in memory). Text fields must come before the file,
 * since the file is stored while it arrives.
 */
function receive(ctx: Context, deps: AppDependencies): Promise<Received> {
  const maxBytes = deps.config.UPLOAD_MAX_BYTES;
  return new Promise<Received>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: ctx.req.headers,
        defParamCharset: "utf8",
        limits: { files: 1, fileSize: maxBytes, fields: 10, fieldSize: 64 * 1024, parts: 12 },
      });
    } catch {
      reject(invalidRequest("malformed multipart/form-data request (missing boundary?)"));
      return;
    }
    const fields: Record<string, string> = {};
    let failure: AppError | undefined;
    let storing: Promise<void> | undefined;
    let location: ObjectLocation | undefined;
    let tooLarge = false;

    const fail = (error: AppError) => {
      failure ??= error;
    };

    parser.on("field", (name, value, info) => {
      if (info.valueTruncated) fail(invalidRequest(`form field ${name} is too long`));
      else fields[name] = value;
    });
    parser.on("file", (name, stream: Readable, info) => {
      if (name !== "file" || location !== undefined || failure) {
        stream.resume();
        if (name !== "file") fail(invalidRequest(`unexpected file part ${JSON.stringify(name)}: the file must be sent as "file"`));
        return;
      }
      const checked = uploadFields.safeParse(fields);
      if (!checked.success) {
        stream.resume();
        const issue = checked.error.issues[0]!;
        fail(
          invalidRequest(`invalid form: ${issue.path.join(".") || "form"}: ${issue.message} (text fields must precede the file part)`, {
            issues: checked.error.issues.map((i) => ({ field: i.path.join("."), problem: i.message })),
          }),
        );
        return;
      }
      location = { bucket: deps.config.S3_BUCKET, key: `${apiObjectPrefixes.upload}${randomUUID()}/${safeFileName(info.filename)}` };
      stream.on("limit", () => {
        // Refuse at once rather than reading (and discarding) the rest of an oversized body.
        tooLarge = true;
        stream.destroy(payloadTooLarge(`the file exceeds the upload limit of ${maxBytes} bytes`));
        void settle();
      });
      storing = deps.objects.upload(location, stream, storedContentType(checked.data.format, info.mimeType)).catch((error: unknown) => {
        fail(tooLarge ? payloadTooLarge(`the file exceeds the upload limit of ${maxBytes} bytes`) : (error as AppError));
      });
    });
    let settled = false;
    const settle = async () => {
      if (settled) return;
      settled = true;
      ctx.req.unpipe(parser);
      await storing;
      if (!failure && location === undefined) fail(invalidRequest('the form has no "file" part'));
      if (failure) {
        const stored = location;
        if (stored && failure.status < 500) {
          await deps.objects
            .remove(stored)
            .catch((error: unknown) => deps.log.warn({ err: error, key: stored.key }, "could not remove a refused upload's object"));
        } else if (stored) {
          // MinIO itself failed: answer now, and remove what it may still store once it lets us.
          deps.compensations.add("remove a failed upload's object", () => deps.objects.remove(stored), { key: stored.key });
        }
        reject(failure);
        return;
      }
      resolve({ fields, location: location! });
    };
    parser.on("error", () => {
      fail(invalidRequest("malformed multipart/form-data body"));
      void settle();
    });
    parser.on("close", () => void settle());
    ctx.req.on("aborted", () => fail(invalidRequest("the upload was aborted by the client")));
    ctx.req.pipe(parser);
  });
}

export function mountUploadRoute(router: Router, deps: AppDependencies): void {
  router.post("/datasets/upload", async (ctx) => {
    if (!ctx.is("multipart/form-data")) throw unsupportedMediaType("upload with multipart/form-data (fields, then a file part named file)");
    const declared = Number(ctx.get("content-length"));
    if (Number.isFinite(declared) && declared > deps.config.UPLOAD_MAX_BYTES + 1024 * 1024) {
      ctx.set("Connection", "close");
      throw payloadTooLarge(`the request exceeds the upload limit of ${deps.config.UPLOAD_MAX_BYTES} bytes`);
    }
    let received: Received;
    try {
      received = await receive(ctx, deps);
    } catch (error) {
      // Stop reading a body we are refusing.
      ctx.set("Connection", "close");
      throw error;
    }
    const form = parseInput(uploadFields, received.fields, "form");
    const derivedFrom =
      form.derived_from_dataset_id === undefined
        ? undefined
        : { dataset_id: form.derived_from_dataset_id, version: form.derived_from_version };
    const input = {
      name: form.name,
      storage_path: formatStoragePath(received.location),
      format: form.format,
      description: form.description,
      derived_from: derivedFrom,
    };
    const created: Dataset = isKnowledgeFormat(form.format)
      ? await deps.knowledge.registerDataset(input, { removeObjectOnFailure: true })
      : await deps.datasets.register(input, { removeObjectOnFailure: true });
    ctx.body = success(created);
  });
}
