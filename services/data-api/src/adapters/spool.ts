import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import type { SpoolPort } from "../domain/ports.js";

const spoolBufferBytes = 4 * 1024 * 1024;

/**
 * A local copy of an object made while the first pass reads it, so the
 * second pass reads the disk instead of fetching the object from the bucket
 * again (a full second download costs the bucket and this process CPU that
 * the database's load needs). The copy is streamed: memory stays flat.
 */
export class Spool implements SpoolPort {
  private constructor(
    private readonly dir: string,
    private readonly file: string,
  ) {}

  static async create(): Promise<Spool> {
    const dir = await mkdtemp(join(tmpdir(), "data-api-ingest-"));
    return new Spool(dir, join(dir, "object"));
  }

  /** The bytes of `source`, written to the spool as they are read; the copy is complete once they have all been read. */
  tee(source: Readable): Readable {
    const file = this.file;
    async function* copy(): AsyncGenerator<Buffer> {
      // Room for a few chunks: with the default 16 KiB every 64 KiB chunk waited for the disk, and so did the parsing.
      const out = createWriteStream(file, { highWaterMark: spoolBufferBytes });
      // A write still pending when the source fails errors as `out` is destroyed below; unheard, that error would
      // end the process. Heard here, a failed write fails the copy.
      let writeFailed: Error | undefined;
      out.on("error", (error) => {
        writeFailed ??= error;
      });
      try {
        for await (const chunk of source) {
          if (writeFailed) throw writeFailed;
          const bytes = chunk as Buffer;
          if (!out.write(bytes)) await once(out, "drain");
          yield bytes;
        }
        out.end();
        await finished(out);
      } finally {
        if (!out.closed) out.destroy();
        source.destroy();
      }
    }
    return Readable.from(copy(), { objectMode: false });
  }

  read(): Readable {
    return createReadStream(this.file, { highWaterMark: 64 * 1024 });
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
