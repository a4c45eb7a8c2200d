import Router from "@koa/router";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

/**
 * The page at / (services/agent-api/public, shipped in the image): plain
 * HTML, JS and CSS, no build step. Read once at start-up and served from
 * memory; only these files exist, so no path from a request reaches the disk.
 */
const assets = [
  { route: "/", file: new URL("../../public/index.html", import.meta.url), type: "text/html; charset=utf-8" },
  { route: "/ui/app.js", file: new URL("../../public/app.js", import.meta.url), type: "text/javascript; charset=utf-8" },
  { route: "/ui/style.css", file: new URL("../../public/style.css", import.meta.url), type: "text/css; charset=utf-8" },
] as const;

export function pageRoutes(): Router {
  const router = new Router();
  for (const asset of assets) {
    const body = readFileSync(asset.file);
    const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
    router.get(asset.route, (ctx) => {
      ctx.set("Cache-Control", "no-cache");
      ctx.set("X-Content-Type-Options", "nosniff");
      ctx.set(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
      );
      ctx.type = asset.type;
      ctx.etag = etag;
      // Koa reports a request fresh only for a 2xx response.
      ctx.status = 200;
      if (ctx.fresh) {
        ctx.status = 304;
        return;
      }
      ctx.body = body;
    });
  }
  return router;
}
