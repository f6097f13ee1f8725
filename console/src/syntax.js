// Server code shown with its comments, strings, numbers and keywords told apart: one regular
// expression over the source, no library (the console stays small and makes no requests).
import { html } from "./ui.js";

const KEYWORDS =
  "break case catch const continue debugger default delete do else false finally for function if in " +
  "instanceof let new null return switch this throw true try typeof undefined var void while with";
const KEYWORD = new Set(KEYWORDS.split(" "));
const TOKEN =
  /(\/\/[^\n]*|\/\*[\s\S]*?\*\/)|("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`)|(\b\d+(?:\.\d+)?\b)|([A-Za-z_$][\w$]*)/g;

/** [[kind, text]]: kind is "comment", "string", "number", "keyword" or "" (the rest). */
export function tokens(source) {
  const out = [];
  let last = 0;
  for (const match of source.matchAll(TOKEN)) {
    const [text, comment, string, number, word] = match;
    const kind = comment ? "comment" : string ? "string" : number ? "number" : KEYWORD.has(word) ? "keyword" : "";
    if (!kind) continue;
    if (match.index > last) out.push(["", source.slice(last, match.index)]);
    out.push([kind, text]);
    last = match.index + text.length;
  }
  if (last < source.length) out.push(["", source.slice(last)]);
  return out;
}

export function Source({ source, label }) {
  return html`<pre class="source" tabindex="0" aria-label=${label}><code>${tokens(source).map(([kind, text]) =>
    kind ? html`<span class=${`tok-${kind}`}>${text}</span>` : text,
  )}</code></pre>`;
}
