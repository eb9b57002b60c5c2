// A reporter for Node's test runner: one line per test file, every failure in full, and a
// last line `N passed, N failed, N skipped` that CI reads.
import { relative } from 'node:path';
import { inspect } from 'node:util';

const cwd = process.cwd();

function where(data) {
  return data.file ? relative(cwd, data.file) : '';
}

function describeError(error) {
  if (!error) return '';
  const cause = error.cause ?? error;
  if (cause && typeof cause === 'object' && 'stack' in cause && typeof cause.stack === 'string') {
    return cause.stack;
  }
  return inspect(cause, { depth: 6 });
}

export default async function* reporter(source) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const perFile = new Map();
  const failures = [];
  for await (const event of source) {
    const { type, data } = event;
    if (type === 'test:pass' || type === 'test:fail') {
      // Suites (describe blocks) are containers; only tests count.
      if (data.details?.type === 'suite') {
        if (type === 'test:fail' && data.details?.error?.failureType !== 'subtestsFailed') {
          failed++;
          failures.push(data);
        }
        continue;
      }
      const file = where(data);
      const counts = perFile.get(file) ?? { passed: 0, failed: 0, skipped: 0 };
      perFile.set(file, counts);
      if (data.skip || data.todo) {
        skipped++;
        counts.skipped++;
      } else if (type === 'test:pass') {
        passed++;
        counts.passed++;
      } else {
        failed++;
        counts.failed++;
        failures.push(data);
      }
    } else if (type === 'test:stderr' || type === 'test:stdout') {
      if (process.env.TESSERA_TEST_VERBOSE) yield data.message;
    } else if (
      type === 'test:diagnostic' &&
      /^(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) /.test(data.message) === false
    ) {
      yield `# ${data.message}\n`;
    }
  }
  for (const [file, c] of [...perFile].sort()) {
    const mark = c.failed > 0 ? '✖' : '✔';
    yield `${mark} ${file || '(no file)'}: ${c.passed} passed${c.failed ? `, ${c.failed} failed` : ''}${c.skipped ? `, ${c.skipped} skipped` : ''}\n`;
  }
  for (const data of failures) {
    yield `\n✖ ${data.name}  (${where(data)})\n${describeError(data.details?.error)}\n`;
  }
  yield `\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`;
}
