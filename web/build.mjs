// Builds the web app into web/dist: index.html, and hashed, code-split bundles under dist/assets/.
// `make setup` runs it when a source changes; `node web/build.mjs --watch` rebuilds as you edit.
import { build, context } from "esbuild";
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { readFile, rm, writeFile, mkdir, readdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "dist");
const watch = process.argv.includes("--watch");

const options = {
  absWorkingDir: here,
  entryPoints: { app: "src/main.tsx", style: "src/style.css" },
  outdir: join(dist, "assets"),
  entryNames: "[name]-[hash]",
  chunkNames: "[name]-[hash]",
  bundle: true,
  splitting: true, // each page is its own chunk, loaded when it is first shown
  format: "esm",
  target: "es2022",
  minify: !watch,
  sourcemap: watch ? "inline" : false,
  jsx: "automatic",
  jsxImportSource: "preact",
  metafile: true,
  legalComments: "none",
  logLevel: "warning",
};

async function writeIndex(metafile) {
  const outputs = Object.entries(metafile.outputs);
  const named = (entry) => outputs.find(([, out]) => out.entryPoint === entry)[0].split("/").pop();
  const template = await readFile(join(here, "index.html"), "utf8");
  const html = template
    .replace("%APP_JS%", `/app/assets/${named("src/main.tsx")}`)
    .replace("%APP_CSS%", `/app/assets/${named("src/style.css")}`);
  await writeFile(join(dist, "index.html"), html);
}

/** What opening /app/ fetches: the entry and the home page, with every chunk they import, gzip-compressed. */
async function firstLoadGzip(metafile) {
  const outputs = metafile.outputs;
  const byEntry = (entry) => Object.keys(outputs).find((path) => outputs[path].entryPoint === entry);
  const home = Object.keys(outputs).find((path) => outputs[path].inputs["src/pages/home.tsx"]);
  const seen = new Set();
  const visit = (path) => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const imported of outputs[path].imports) if (imported.kind === "import-statement") visit(imported.path);
  };
  visit(byEntry("src/main.tsx"));
  visit(home);
  let bytes = 0;
  for (const path of seen) bytes += gzipSync(await readFile(join(here, path))).length;
  return (bytes / 1024).toFixed(1);
}

if (watch) {
  const ctx = await context({
    ...options,
    plugins: [{ name: "index", setup: (b) => b.onEnd((r) => r.metafile && writeIndex(r.metafile)) }],
  });
  await ctx.watch();
  console.log("watching web/src: web/dist is rebuilt on every change");
} else {
  await rm(dist, { recursive: true, force: true });
  await mkdir(dist, { recursive: true });
  const result = await build(options);
  await writeIndex(result.metafile);
  const files = await readdir(join(dist, "assets"));
  const digest = createHash("sha256").update(files.sort().join("\n")).digest("hex").slice(0, 12);
  const firstLoad = await firstLoadGzip(result.metafile);
  console.log(`web/dist: index.html and ${files.length} assets (${digest}); /app/ loads ${firstLoad} KB of JS gzip`);
}
