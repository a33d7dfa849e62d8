import { read } from 'node:fs';
import { promisify } from 'node:util';
import { SerialPort } from 'serialport';

const readAsync = promisify(read);

/** The parts of @serialport/bindings-cpp's Linux/macOS port this relies on (serialport 13). */
interface UnixPort {
  isOpen: boolean;
  fd: number | null;
  poller: { once(event: 'readable', listener: (error?: Error | null) => void): void };
  read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }>;
}

/** serialport's auto-detected binding for this platform: the type a replacement must have. */
type Binding = typeof SerialPort.binding;

/**
 * serialport's own binding, except that a read returning 0 bytes means the device is gone.
 *
 * When a USB adapter is unplugged (or a pty's other side closes), the kernel hangs up the tty, and from then on a
 * read returns 0 (end of file) instead of failing. serialport 13 retries such a read at once, forever: the port
 * never reports the disconnect and one CPU core spins. It only notices a hangup that happens while it waits in
 * poll. With this, the read fails, serialport closes the port with a DisconnectedError, and the source reconnects.
 */
export const hangupAwareBinding: Binding = wrap(SerialPort.binding as unknown as UntypedBinding) as unknown as Binding;

/** serialport types its binding as a union over platforms; the wrapper passes options and ports through untouched. */
interface UntypedBinding {
  list(): Promise<unknown[]>;
  open(options: unknown): Promise<unknown>;
}

function wrap(base: UntypedBinding): UntypedBinding {
  return {
    list: () => base.list(),
    async open(options) {
      const port = await base.open(options);
      const unix = port as Partial<UnixPort>;
      // Only the Unix binding has fd and poller; elsewhere serialport's own read is kept.
      if (typeof unix.fd === 'number' && typeof unix.poller?.once === 'function') {
        unix.read = (buffer, offset, length) => readOrHangUp(unix as UnixPort, buffer, offset, length);
      }
      return port;
    },
  };
}

async function readOrHangUp(port: UnixPort, buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
  for (;;) {
    // `canceled` tells serialport's stream that this is a close on purpose, not a disconnect.
    if (!port.isOpen || port.fd === null) throw Object.assign(new Error('Port is not open'), { canceled: true });
    let bytesRead: number;
    try {
      ({ bytesRead } = await readAsync(port.fd, buffer, offset, length, null));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') throw error;
      if (!port.isOpen) throw Object.assign(new Error('Port is not open'), { canceled: true });
      await new Promise<void>((resolve, reject) => port.poller.once('readable', (pollError) => (pollError ? reject(pollError) : resolve())));
      continue;
    }
    if (bytesRead === 0) throw new Error('the device hung up (end of file)');
    return { buffer, bytesRead };
  }
}
