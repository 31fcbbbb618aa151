/**
 * Runs a command to its end and returns its exit code and output. It is killed after `timeoutMs`,
 * and never left running when reading its output throws: tests that spawn clean up even when
 * something fails.
 */
export async function runProcess(cmd: string[], opts: { cwd: string; env?: Record<string, string | undefined> }, timeoutMs: number) {
  const p = Bun.spawn(cmd, { cwd: opts.cwd, env: opts.env, stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => p.kill(9), timeoutMs);
  try {
    const [code, stdout, stderr] = await Promise.all([p.exited, new Response(p.stdout).text(), new Response(p.stderr).text()]);
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
    if (p.exitCode === null && p.signalCode === null) {
      p.kill(9);
      await p.exited;
    }
  }
}
