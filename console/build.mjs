// Builds the console into one folder that the /console route serves (chalicelib/console/ by
// default: `chalice package` ships it with the rest of chalicelib). No external requests at
// run time: every script and style is in the bundle.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] || join(here, "..", "chalicelib", "console"));
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: { console: join(here, "src", "main.js"), styles: join(here, "src", "styles.css") },
  bundle: true,
  minify: true,
  format: "esm",
  target: ["es2020"],
  outdir: out,
  legalComments: "linked",
  logLevel: "warning",
});
copyFileSync(join(here, "index.html"), join(out, "index.html"));
console.log(`console built into ${out}`);
