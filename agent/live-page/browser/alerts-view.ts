import { postJson } from './api.js';
import { element, table } from './dom.js';
import { formatAge, formatTime } from './format.js';
import type { AlertTransition, LiveAlert } from './types.js';

const ORDER = { firing: 0, pending: 1, resolved: 2 } as const;

/** Firing and pending alerts first (with the acknowledge button on firing ones), then the last day's transitions. */
export class AlertsView {
  constructor(
    private readonly live: HTMLElement,
    private readonly history: HTMLElement,
    private readonly refresh: () => void,
  ) {}

  render(alerts: readonly LiveAlert[], transitions: readonly AlertTransition[], now: number): void {
    const sorted = [...alerts].sort((a, b) => ORDER[a.state] - ORDER[b.state] || a.since - b.since);
    this.live.replaceChildren(
      sorted.length === 0
        ? element('p', { class: 'quiet' }, 'No alert is pending or firing.')
        : table(
            ['State', 'Severity', 'Rule', 'Sensor', 'Since', 'Message', ''],
            sorted.map((alert) => [
              element('span', { class: `state ${alert.state}` }, alert.resolution ? `${alert.state} (${alert.resolution})` : alert.state),
              alert.severity,
              alert.rule,
              alert.sensor,
              element('span', { title: formatTime(alert.since) }, formatAge((now - alert.since) / 1000)),
              alert.message ?? '',
              alert.state === 'firing' ? this.acknowledgeButton(alert) : '',
            ]),
            'alerts',
          ),
    );
    const newestFirst = [...transitions].reverse();
    this.history.replaceChildren(
      newestFirst.length === 0
        ? element('p', { class: 'quiet' }, 'No alert transitions since the agent started (kept for a day).')
        : table(
            ['Time', 'Rule', 'Sensor', 'Transition', 'Message'],
            newestFirst.map((transition) => [
              formatTime(transition.timestamp),
              transition.rule,
              transition.sensor,
              element('span', { class: `state ${transition.state}` }, `${transition.previous} → ${transition.state}${transition.resolution ? ` (${transition.resolution})` : ''}`),
              transition.message,
            ]),
            'transitions',
          ),
    );
  }

  private acknowledgeButton(alert: LiveAlert): HTMLButtonElement {
    const button = element('button', { type: 'button', class: 'ack' }, 'Acknowledge');
    button.addEventListener('click', async () => {
      button.disabled = true;
      const answer = await postJson<{ error?: string }>('/alerts/ack', { rule: alert.rule, sensor: alert.sensor, source: alert.source });
      if (!answer.ok) button.replaceWith(element('span', { class: 'error' }, answer.body.error ?? 'not acknowledged'));
      this.refresh();
    });
    return button;
  }
}
