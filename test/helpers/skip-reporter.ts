import type { Reporter, TestModule } from 'vitest/node';

/**
 * Ends a run with why its skipped tests were skipped: one line per reason (the `[needs ...]` in their names,
 * see requirements.ts, or the note they were skipped with), with how many and in which files.
 */
export default class SkipReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>) {
    const byReason = new Map<string, { count: number; files: Set<string> }>();
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state !== 'skipped') continue;
        const reason = test.fullName.match(/\[(needs [^\]]+)\]/)?.[1] ?? result.note ?? 'no reason given';
        const entry = byReason.get(reason) ?? { count: 0, files: new Set<string>() };
        entry.count += 1;
        entry.files.add(module.relativeModuleId);
        byReason.set(reason, entry);
      }
    }
    if (byReason.size === 0) return;
    const lines = [...byReason].map(([reason, { count, files }]) => `  ${count} skipped, ${reason} (${[...files].sort().join(', ')})`);
    process.stdout.write(`\nSkipped here:\n${lines.join('\n')}\n`);
  }
}
