// A line diff (longest common subsequence) between two sources, for comparing server-code
// versions. Sources are small (Kii's limit is 1 MB of code); past MAX_CELLS the two are
// shown as one removal and one addition rather than spending the browser's memory.
const MAX_CELLS = 4_000_000;

/** [[op, line]] with op " " (kept), "-" (only in a), "+" (only in b). */
export function lineDiff(a, b) {
  const x = a.split("\n");
  const y = b.split("\n");
  let start = 0;
  while (start < x.length && start < y.length && x[start] === y[start]) start++;
  let endX = x.length;
  let endY = y.length;
  while (endX > start && endY > start && x[endX - 1] === y[endY - 1]) {
    endX--;
    endY--;
  }
  const head = x.slice(0, start).map((l) => [" ", l]);
  const tail = x.slice(endX).map((l) => [" ", l]);
  const mx = x.slice(start, endX);
  const my = y.slice(start, endY);
  if (mx.length * my.length > MAX_CELLS) {
    return [...head, ...mx.map((l) => ["-", l]), ...my.map((l) => ["+", l]), ...tail];
  }
  const n = mx.length;
  const m = my.length;
  const table = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i][j] = mx[i] === my[j] ? table[i + 1][j + 1] + 1 : Math.max(table[i + 1][j], table[i][j + 1]);
    }
  }
  const middle = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (mx[i] === my[j]) {
      middle.push([" ", mx[i]]);
      i++;
      j++;
    } else if (table[i + 1][j] >= table[i][j + 1]) {
      middle.push(["-", mx[i++]]);
    } else {
      middle.push(["+", my[j++]]);
    }
  }
  while (i < n) middle.push(["-", mx[i++]]);
  while (j < m) middle.push(["+", my[j++]]);
  return [...head, ...middle, ...tail];
}
