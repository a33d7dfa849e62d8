import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAgentProcess, type AgentProcess } from '../../test/helpers/agent-process.js';
import { freePort } from '../../test/helpers/free-port.js';
import { startNotifySocket, type NotifySocket } from '../../test/helpers/notify-socket.js';
import { makeTempDir, type TempDir } from '../../test/helpers/temp-dir.js';

/** The readiness and watchdog protocol, checked against a real AF_UNIX datagram socket standing in for PID 1. */
describe('systemd notification', () => {
  let dir: TempDir;
  let socket: NotifySocket;
  let agent: AgentProcess | undefined;
  beforeEach(async () => {
    dir = await makeTempDir('notify');
    socket = await startNotifySocket(dir.path);
  });
  afterEach(async () => {
    agent?.child.kill('SIGKILL');
    await agent?.exited;
    agent = undefined;
    await socket.dispose();
    await dir.remove();
  });

  async function start(env: NodeJS.ProcessEnv): Promise<AgentProcess> {
    const config = path.join(dir.path, 'tributary.yaml');
    await writeFile(
      config,
      `
agent: { log_format: json, tick: 50ms, watch_config: false, http: { listen: 127.0.0.1:${await freePort()} } }
sources:
  sim: { driver: simulator, interval: 50ms, sensors: [{ name: t, base: 20 }] }
rules:
  mean: { window: { size: 200ms, allowed_lateness: 0s }, aggregates: [mean] }
sinks:
  out: { driver: console }
`,
    );
    agent = startAgentProcess(config, path.join(dir.path, 'data'), { NOTIFY_SOCKET: socket.path, ...env });
    return agent;
  }

  const withField = (key: string) => socket.messages.filter((message) => key in message.fields);

  it('says READY=1 once the agent runs, feeds the watchdog while healthy and says STOPPING=1 on SIGTERM', async () => {
    const running = await start({ WATCHDOG_USEC: '900000' });
    await socket.waitFor(() => withField('READY').length === 1, 20_000, 'READY=1');
    const ready = withField('READY')[0]!;
    expect(ready.fields.STATUS).toMatch(/^1\/1 sources up, 1\/1 sinks reachable, backlog \d+/);
    // systemd attributes a message by its sender: the systemd-notify child, or the agent when allowed to say so.
    expect(ready.pid).toBeGreaterThan(0);
    // The barrier that makes systemd-notify wait until the manager has the message: a datagram of its own, after it.
    await socket.waitFor(() => socket.messages.some((message) => message.fields.BARRIER === '1' && message.fds === 1), 10_000, 'the barrier');
    await running.waitForLog(/agent running/);

    // 0.9 s watchdog: a ping every 300 ms; five of them take about 1.5 s.
    await socket.waitFor(() => withField('WATCHDOG').length >= 5, 20_000, 'five WATCHDOG=1 pings');
    const pings = withField('WATCHDOG');
    expect(pings.every((ping) => ping.fields.WATCHDOG === '1')).toBe(true);
    // Paced by the interval, not sent in a burst: four gaps of 300 ms (timers never fire early; a slow helper
    // start can delay the first arrival, hence the margin).
    expect(pings[4]!.at - pings[0]!.at).toBeGreaterThanOrEqual(600);

    running.child.kill('SIGTERM');
    await socket.waitFor(() => withField('STOPPING').length === 1, 20_000, 'STOPPING=1');
    expect((await running.exited).code).toBe(0);
  });

  it('stops feeding the watchdog when the buffer file cannot be written, so systemd restarts the agent', async () => {
    const running = await start({ WATCHDOG_USEC: '900000' });
    await socket.waitFor(() => withField('WATCHDOG').length >= 2, 20_000, 'the first WATCHDOG=1 pings');
    // The buffer vanishes underneath the agent (a card pulled, a directory wiped): it cannot keep results any more.
    const data = path.join(dir.path, 'data');
    await rm(data, { recursive: true, force: true });
    const withheld = await running.waitForLog(/not feeding the systemd watchdog/, 20_000);
    expect(String(withheld.problem)).toMatch(/buffer\.sqlite: ENOENT/);
    const pingsThen = withField('WATCHDOG').length;
    // Three intervals without a ping: long enough for systemd (WatchdogSec=0.9s) to have killed it.
    await new Promise((resolve) => setTimeout(resolve, 2_700));
    // At most one ping already on its way when the file went may still arrive.
    expect(withField('WATCHDOG').length - pingsThen).toBeLessThanOrEqual(1);
  });

  it('says RELOADING=1 with MONOTONIC_USEC, then READY=1, when it reloads its config on SIGHUP (as Type=notify-reload wants)', async () => {
    const running = await start({});
    await socket.waitFor(() => withField('READY').length === 1, 20_000, 'READY=1');
    await running.waitForLog(/agent running/);
    // CLOCK_MONOTONIC is the machine's: this process reads the same clock as the agent.
    const before = process.hrtime.bigint() / 1_000n;
    running.child.kill('SIGHUP');
    await socket.waitFor(() => withField('READY').length === 2, 20_000, 'READY=1 after the reload');
    const after = process.hrtime.bigint() / 1_000n;
    const reloading = withField('RELOADING');
    expect(reloading.map((message) => message.fields.RELOADING)).toEqual(['1']);
    const usec = BigInt(reloading[0]!.fields.MONOTONIC_USEC!);
    expect(usec >= before && usec <= after, `MONOTONIC_USEC ${usec} between ${before} and ${after}`).toBe(true);
    expect(socket.messages.indexOf(reloading[0]!)).toBeLessThan(socket.messages.indexOf(withField('READY')[1]!));
    expect(withField('READY')[1]!.fields.STATUS).toMatch(/^1\/1 sources up/);
    expect(withField('STOPPING')).toEqual([]);
  });

  it('sends nothing and runs normally when NOTIFY_SOCKET is not set', async () => {
    const running = await start({ NOTIFY_SOCKET: '', WATCHDOG_USEC: '900000' });
    await running.waitForLog(/health and metrics/);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(socket.messages).toEqual([]);
    expect(running.logs().some((line) => /watchdog/.test(String(line.msg)))).toBe(false);
  });
});
