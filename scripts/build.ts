// Builds the single executable dist/parley: views, assets and migrations are embedded, so it runs
// from any folder. Bytecode needs format "esm" here: the default (CommonJS) cannot parse top-level await.
// Compiles for the platform it runs on (bun-linux-x64 here; the Dockerfile's build stage likewise).
import { mkdirSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = join(import.meta.dir, "..");
const outfile = join(root, "dist", "parley");

rmSync(outfile, { force: true });
mkdirSync(join(root, "dist"), { recursive: true });

const started = performance.now();
const result = await Bun.build({
  entrypoints: [join(root, "src", "main.ts")],
  compile: {
    outfile,
    // Settings come from the environment or a .env in the working folder, as with `bun run start`;
    // a bunfig.toml or tsconfig.json wherever the binary happens to start means nothing to it.
    autoloadDotenv: true,
    autoloadBunfig: false,
    autoloadTsconfig: false,
    autoloadPackageJson: false,
  },
  target: "bun",
  format: "esm",
  minify: true,
  bytecode: true,
  sourcemap: "none",
});

if (!result.success) {
  for (const message of result.logs) console.error(message);
  console.error("build: failed");
  process.exit(1);
}

const bytes = statSync(outfile).size;
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(
  `build: ${relative(process.cwd(), outfile) || outfile} ${(bytes / 2 ** 20).toFixed(1)} MiB (${bytes} bytes) in ${seconds} s`,
);
