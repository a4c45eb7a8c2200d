import { expect } from "chai";
import { ReadCache } from "../src/domain/read-cache.js";

/** A loader that counts its calls per key and answers the key back. */
function countingLoader() {
  const calls = new Map<string, number>();
  return {
    calls,
    load: (key: string) => () => {
      calls.set(key, (calls.get(key) ?? 0) + 1);
      return Promise.resolve(key);
    },
  };
}

describe("the registry read cache", () => {
  it("serves a key from the cache until its time is up, then reads again", async () => {
    let now = 1_000;
    const cache = new ReadCache(500, () => now);
    const { calls, load } = countingLoader();
    expect(await cache.get("a", load("a"))).to.equal("a");
    now += 499;
    expect(await cache.get("a", load("a"))).to.equal("a");
    expect(calls.get("a")).to.equal(1);
    now += 2;
    await cache.get("a", load("a"));
    expect(calls.get("a")).to.equal(2);
  });

  it("shares one read in flight and keeps no failed read", async () => {
    const cache = new ReadCache(60_000, () => 0);
    let reads = 0;
    const failing = () => {
      reads++;
      return Promise.reject(new Error("registry down"));
    };
    const [first, second] = await Promise.allSettled([cache.get("k", failing), cache.get("k", failing)]);
    expect([first.status, second.status, reads]).to.deep.equal(["rejected", "rejected", 1]);
    expect(await cache.get("k", () => Promise.resolve("back"))).to.equal("back");
  });

  it("keeps the recently used keys when it is full, dropping only the least recently used", async () => {
    const cache = new ReadCache(60_000, () => 0);
    const { calls, load } = countingLoader();
    const keys = Array.from({ length: 10_050 }, (_, i) => `get:${i}`);
    for (const key of keys) await cache.get(key, load(key));
    for (const key of keys.slice(-100)) await cache.get(key, load(key));
    expect(keys.slice(-100).filter((key) => calls.get(key) !== 1)).to.deep.equal([]);
    await cache.get("get:0", load("get:0"));
    expect(calls.get("get:0")).to.equal(2);
  });

  it("reads through when caching is off", async () => {
    const cache = new ReadCache(0, () => 0);
    const { calls, load } = countingLoader();
    await cache.get("a", load("a"));
    await cache.get("a", load("a"));
    expect(calls.get("a")).to.equal(2);
  });
});
