import { expect, test } from "bun:test";
import { contentHash } from "../../../src/http/asset-hashes.macro.ts";
import { loadAssets } from "../../../src/http/assets.ts";

test("every asset URL carries the hash of exactly the bytes it serves, plain or gzipped", async () => {
  const { urls, plugin } = loadAssets();
  expect(Object.keys(urls).length).toBeGreaterThan(5);
  for (const url of Object.values(urls)) {
    const hash = /\.([0-9a-f]{10})\.\w+$/.exec(url)?.[1];
    const plain = await plugin.handle(new Request(`http://parley.test${url}`));
    expect({ url, status: plain.status }).toEqual({ url, status: 200 });
    const body = new Uint8Array(await plain.arrayBuffer());
    expect({ url, hash: contentHash(body) }).toEqual({ url, hash: hash! });
    const gzipped = await plugin.handle(new Request(`http://parley.test${url}`, { headers: { "accept-encoding": "gzip" } }));
    expect(gzipped.headers.get("content-encoding")).toBe("gzip");
    expect(Bun.gunzipSync(new Uint8Array(await gzipped.arrayBuffer()))).toEqual(body);
  }
});
