import { expect } from "chai";
import { cachedFor } from "../src/domain/ttl-cache.js";

describe("cachedFor (one value kept for a while)", () => {
  it("loads once, serves the value until its time is up, then loads again", async () => {
    let now = 10_000;
    let loads = 0;
    const get = cachedFor(
      1_000,
      () => Promise.resolve(++loads),
      () => now,
    );
    expect([await get(), await get()]).to.deep.equal([1, 1]);
    now += 999;
    expect(await get()).to.equal(1);
    now += 2;
    expect(await get()).to.equal(2);
  });

  it("shares one load in flight", async () => {
    let loads = 0;
    let release: (value: string) => void = () => undefined;
    const get = cachedFor(
      1_000,
      () => {
        loads++;
        return new Promise<string>((resolve) => (release = resolve));
      },
      () => 0,
    );
    const both = Promise.all([get(), get()]);
    release("model-a");
    expect(await both).to.deep.equal(["model-a", "model-a"]);
    expect(loads).to.equal(1);
  });

  it("keeps no failed load: the next call loads again", async () => {
    let loads = 0;
    const get = cachedFor(
      1_000,
      () => (++loads === 1 ? Promise.reject(new Error("down")) : Promise.resolve("up")),
      () => 0,
    );
    await get().then(
      () => expect.fail("the first load failed"),
      (error: Error) => expect(error.message).to.equal("down"),
    );
    expect(await get()).to.equal("up");
    expect(loads).to.equal(2);
  });
});
