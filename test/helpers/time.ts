export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls until `check` holds, returning how long that took in ms; fails after `limitMs`. */
export async function within(limitMs: number, check: () => Promise<boolean>, everyMs = 10): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > limitMs) throw new Error(`not within ${limitMs} ms`);
    await sleep(everyMs);
  }
  return performance.now() - started;
}
