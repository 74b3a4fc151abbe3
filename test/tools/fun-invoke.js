// Drives a `provided`-runtime function through @vercel/fun's Runtime API emulator, for the end-to-end tests.
// Usage: node fun-invoke.js SPEC.json
//   SPEC: {"directory": "...", "handler": "dispatcher", "environment": {...}, "payloads": ["{...}", ...],
//          "timeoutSeconds": 60, "resultsPath": "..."}
// Appends one line per invocation, in order, {"StatusCode","FunctionError","Payload"}, to resultsPath: not to stdout,
// which the function's logs share and where a log line could be split by our write.
// The function's own stdout/stderr (the bootstrap's JSON logs) pass through unchanged.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

let fun;
try {
  fun = require(path.join(__dirname, 'node_modules', '@vercel', 'fun'));
} catch (err) {
  console.error(`@vercel/fun is not installed in ${__dirname}: run \`npm install --prefix test/tools\` (.ci/run does). ${err.message}`);
  process.exit(2);
}

async function main() {
  const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const guard = setTimeout(() => {
    console.error(`fun-invoke: gave up after ${spec.timeoutSeconds || 60} s`);
    process.exit(3);
  }, (spec.timeoutSeconds || 60) * 1000);
  guard.unref();

  const fn = await fun.createFunction({
    FunctionName: spec.functionName || 'maxgroup-e2e',
    Code: { Directory: spec.directory },
    Handler: spec.handler,
    Runtime: 'provided',
    Region: spec.region || 'us-east-1',
    AccessKeyId: spec.accessKeyId || 'testing',
    SecretAccessKey: spec.secretAccessKey || 'testing',
    Environment: { Variables: spec.environment || {} },
    MemorySize: 256,
    Timeout: 10,
  });
  try {
    for (const payload of spec.payloads) {
      const result = await fn.invoke({ InvocationType: 'RequestResponse', Payload: payload });
      const line = {
        StatusCode: result.StatusCode,
        FunctionError: result.FunctionError || null,
        Payload: Buffer.isBuffer(result.Payload) ? result.Payload.toString('utf8') : String(result.Payload),
      };
      fs.appendFileSync(spec.resultsPath, JSON.stringify(line) + '\n');
    }
  } finally {
    await fn.destroy();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`fun-invoke: ${err && err.stack ? err.stack : err}`);
    process.exit(1);
  });
