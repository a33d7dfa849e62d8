import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

/** One datagram as systemd would receive it on its notify socket. */
export interface NotifyMessage {
  /** `KEY=VALUE` fields, in order. */
  readonly fields: Record<string, string>;
  /** PID of the sender, from its credentials (SO_PASSCRED), as systemd attributes it. */
  readonly pid: number;
  /** File descriptors that came with it (systemd-notify's barrier sends one). */
  readonly fds: number;
  /** When it arrived, in ms (Date.now of the test process). */
  readonly at: number;
}

export interface NotifySocket {
  /** The path to put in NOTIFY_SOCKET. */
  readonly path: string;
  readonly messages: NotifyMessage[];
  /** Resolves once `predicate` holds for the messages received, or rejects after `timeoutMs`. */
  waitFor(predicate: (messages: NotifyMessage[]) => boolean, timeoutMs: number, what: string): Promise<void>;
  dispose(): Promise<void>;
}

// A real AF_UNIX datagram socket with SO_PASSCRED, like PID 1's: Node cannot open one, Python can. File descriptors
// passed along (the barrier's pipe) are closed at once, which is how systemd acknowledges a barrier.
const LISTENER = `
import json, os, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind(sys.argv[1])
print(json.dumps({"listening": True}), flush=True)
while True:
    data, ancillary, flags, _ = s.recvmsg(65536, socket.CMSG_SPACE(64 * 4) + socket.CMSG_SPACE(12))
    pid, fds = 0, 0
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("iII", payload[:12])[0]
        elif level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            for fd in struct.unpack("%di" % (len(payload) // 4), payload[: len(payload) // 4 * 4]):
                os.close(fd)
                fds += 1
    print(json.dumps({"text": data.decode("utf-8", "replace"), "pid": pid, "fds": fds}), flush=True)
`;

/** Starts a fake systemd notify socket at `<dir>/notify` that records every message. Needs python3. */
export async function startNotifySocket(dir: string): Promise<NotifySocket> {
  const socketPath = path.join(dir, 'notify');
  const child = spawn('python3', ['-c', LISTENER, socketPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  process.once('exit', () => child.kill('SIGKILL'));
  const messages: NotifyMessage[] = [];
  const lines = createInterface({ input: child.stdout });
  await new Promise<void>((resolve, reject) => {
    child.once('error', (error) => reject(new Error(`cannot run python3 for the fake notify socket: ${error.message}`)));
    child.once('exit', (code) => reject(new Error(`fake notify socket exited (${code}): ${stderr}`)));
    lines.once('line', () => resolve());
  });
  lines.on('line', (line) => {
    const { text, pid, fds } = JSON.parse(line) as { text: string; pid: number; fds: number };
    const fields: Record<string, string> = {};
    for (const field of text.split('\n')) {
      const equals = field.indexOf('=');
      if (equals > 0) fields[field.slice(0, equals)] = field.slice(equals + 1);
    }
    messages.push({ fields, pid, fds, at: Date.now() });
  });
  return {
    path: socketPath,
    messages,
    async waitFor(predicate, timeoutMs, what) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(messages)) {
        if (Date.now() > deadline) {
          throw new Error(`notify socket: no ${what} within ${timeoutMs} ms; got:\n${messages.map((m) => JSON.stringify(m.fields)).join('\n')}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async dispose() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
