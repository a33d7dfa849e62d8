import { describe, expect, it } from 'vitest';
import { completeConfig } from '../../test/helpers/complete-config.js';
import { checkConfigText } from '../config/load-config.js';
import { parseListenAddress, urlOfListenAddress } from './listen-address.js';

describe('agent.http.listen', () => {
  it('splits host and port, IPv6 hosts in brackets', () => {
    expect(parseListenAddress('127.0.0.1:9108')).toEqual({ host: '127.0.0.1', port: 9108 });
    expect(parseListenAddress('[::1]:9108')).toEqual({ host: '::1', port: 9108 });
    expect(parseListenAddress('pi.local:80')).toEqual({ host: 'pi.local', port: 80 });
  });

  it('reaches a server on a wildcard address through loopback', () => {
    expect(urlOfListenAddress('0.0.0.0:9108')).toBe('http://127.0.0.1:9108');
    expect(urlOfListenAddress('[::]:9108')).toBe('http://[::1]:9108');
    expect(urlOfListenAddress('[fe80::1]:9')).toBe('http://[fe80::1]:9');
  });

  it('rejects an address without a port, or with a port out of range, at its line and column', () => {
    const problems = (listen: string) => {
      const checked = checkConfigText(completeConfig(`agent:\n  http: { listen: "${listen}" }\n`), 'test.yaml', {});
      return checked.ok ? [] : checked.problems.map((p) => `${p.line}:${p.column}: ${p.path}: ${p.message}`);
    };
    expect(problems('9108')).toEqual(['2:19: agent.http.listen: expected host:port, e.g. 127.0.0.1:9108 or [::1]:9108, got the text "9108"']);
    expect(problems('127.0.0.1:99999')).toEqual(['2:19: agent.http.listen: the port must be 65535 or lower']);
    expect(problems('[::1]:9108')).toEqual([]);
  });

  it('refuses an address beyond loopback without a token or a password, at its line and column', () => {
    const problems = (http: string) => {
      const checked = checkConfigText(completeConfig(`agent:\n  http: ${http}\n`), 'test.yaml', {});
      return checked.ok ? [] : checked.problems.map((p) => `${p.line}:${p.column}: ${p.path}: ${p.message}`);
    };
    expect(problems('{ listen: "0.0.0.0:9108" }')).toEqual([
      '2:19: agent.http.listen: 0.0.0.0:9108 is reachable from other machines: set agent.http.token or agent.http.basic_auth (secrets from the environment: ${NAME}), or listen on 127.0.0.1',
    ]);
    expect(problems('{ listen: "0.0.0.0:9108", token: "0123456789abcdef" }')).toEqual([]);
    expect(problems('{ listen: "[::]:9108", basic_auth: { username: me, password: "long enough" } }')).toEqual([]);
    expect(problems('{ listen: "127.0.0.2:9108" }')).toEqual([]);
    expect(problems('{ listen: "localhost:9108" }')).toEqual([]);
    expect(problems('{ listen: "0.0.0.0:9108", token: short }')[0]).toMatch(/^2:42: agent\.http\.token: must be at least 16/);
  });
});
