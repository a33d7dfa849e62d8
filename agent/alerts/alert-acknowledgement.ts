import type { AlertAcknowledgement } from '../../rules/rule-engine.js';

/** What acknowledges alerts: the agent. The health server and the MQTT command topic hand requests to it. */
export interface AlertAcknowledger {
  acknowledgeAlert(rule: string, sensor: string, source: string | undefined, via: string): AlertAcknowledgement;
}

/** Which alert a person acknowledges: the rule and the sensor, and the source when two sources share the sensor name. */
export interface AcknowledgementRequest {
  readonly rule: string;
  readonly sensor: string;
  readonly source?: string;
}

const FIELDS = new Set(['rule', 'sensor', 'source']);
/** Longer than any rule or sensor name; control bytes have no place in one and would end up in logs. */
const MAX_NAME = 512;
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Reads an acknowledgement from untrusted text (an HTTP body, an MQTT payload): a JSON object with `rule` and
 * `sensor` strings and an optional `source`, nothing else. Says what is wrong rather than throwing.
 */
export function parseAcknowledgement(text: string): { ok: true; request: AcknowledgementRequest } | { ok: false; message: string } {
  const example = 'expected JSON such as {"rule": "pump_odd", "sensor": "pump/pressure"}';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: `not JSON; ${example}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, message: `not a JSON object; ${example}` };
  const fields = value as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => !FIELDS.has(key));
  if (unknown.length > 0) return { ok: false, message: `unknown field ${unknown[0]}; only rule, sensor and source` };
  for (const key of ['rule', 'sensor', 'source'] as const) {
    const field = fields[key];
    if (field === undefined && key === 'source') continue;
    if (typeof field !== 'string' || field === '') return { ok: false, message: `${key} must be a non-empty string; ${example}` };
    if (field.length > MAX_NAME || CONTROL.test(field)) return { ok: false, message: `${key} is not a rule or sensor name (too long, or control characters)` };
  }
  const { rule, sensor, source } = fields as { rule: string; sensor: string; source?: string };
  return { ok: true, request: source === undefined ? { rule, sensor } : { rule, sensor, source } };
}
