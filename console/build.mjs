// Builds the console into one folder that the /console route serves (chalicelib/console/ by
// default: `chalice package` ships it with the rest of chalicelib). No external requests at
// run time: every script and style is in the bundle.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
// The bundled packages' licenses (MIT), served beside the bundle at /console/licenses.txt.
const licenses = ["preact", "htm"].map((name) => {
  const { version } = JSON.parse(readFileSync(join(here, "node_modules", name, "package.json"), "utf8"));
  return `${name} ${version}\n\n${readFileSync(join(here, "node_modules", name, "LICENSE"), "utf8")}`;
});
writeFileSync(join(out, "licenses.txt"), licenses.join("\n\n"));
console.log(`console built into ${out}`);
