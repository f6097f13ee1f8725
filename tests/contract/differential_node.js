// The reference for the differential test: evaluates a batch of ES5 programs in Node, each in
// its own vm context, and prints one JSON array with what each program's `entry` returned.
//
// stdin: {"harness": "...", "entry": "run", "programs": ["...", ...], "canary": "..."}
// stdout: [canary, program 1, ...], each {"result": "<the JSON string returned>"} | {"failure": "<name>"}
'use strict';
const vm = require('vm');

function run(sources, entry) {
  const context = vm.createContext({});
  try {
    for (const source of sources) {
      vm.runInContext(source, context, { timeout: 2000 });
    }
    return { result: String(vm.runInContext(entry + '()', context, { timeout: 2000 })) };
  } catch (error) {
    return { failure: String(error && error.name) };
  }
}

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const batch = JSON.parse(input);
  // Every program has a fresh context here, so the canary runs once, for its expected answer.
  const out = [run([batch.canary], batch.entry)];
  for (const program of batch.programs) {
    out.push(run([batch.harness, program], batch.entry));
  }
  process.stdout.write(JSON.stringify(out));
});
