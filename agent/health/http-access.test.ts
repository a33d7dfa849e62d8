import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { HttpAccess, isLoopbackHost } from './http-access.js';

function request(authorization?: string): IncomingMessage {
  return { headers: authorization === undefined ? {} : { authorization } } as IncomingMessage;
}
const url = (query = '') => new URL(`http://device:9108/api/overview${query}`);
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('who may read the health server', () => {
  it('lets anyone in without credentials in the config (loopback only)', () => {
    const access = new HttpAccess();
    expect(access.open).toBe(true);
    expect(access.allows(request(), url())).toBe(true);
  });

  it('asks for the token as a bearer header or, for EventSource, as access_token in the query', () => {
    const access = new HttpAccess({ token: '0123456789abcdef' });
    expect(access.allows(request(), url())).toBe(false);
    expect(access.allows(request('Bearer 0123456789abcdef'), url())).toBe(true);
    expect(access.allows(request('bearer 0123456789abcdef'), url())).toBe(true);
    expect(access.allows(request('Bearer 0123456789abcdeF'), url())).toBe(false);
    expect(access.allows(request(), url('?access_token=0123456789abcdef'))).toBe(true);
    expect(access.allows(request(), url('?access_token=wrong'))).toBe(false);
    expect(access.allows(request(basic('me', '0123456789abcdef')), url())).toBe(false);
    expect(access.challenge).toMatch(/^Bearer/);
  });

  it('asks for user and password with basic auth, and says so in the challenge', () => {
    const access = new HttpAccess({ basic_auth: { username: 'grower', password: 'green house' } });
    expect(access.challenge).toMatch(/^Basic realm="tributary"/);
    expect(access.allows(request(basic('grower', 'green house')), url())).toBe(true);
    expect(access.allows(request(basic('grower', 'green houses')), url())).toBe(false);
    expect(access.allows(request(basic('other', 'green house')), url())).toBe(false);
    expect(access.allows(request('Basic !!!not base64'), url())).toBe(false);
    expect(access.allows(request(), url('?access_token=green house'))).toBe(false);
  });

  it('knows which listen hosts only this machine reaches', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'pi.local', '128.0.0.1', '127.0.0.1.example.com']) expect(isLoopbackHost(host), host).toBe(false);
  });
});
