import type { Clock } from '../../drivers/clock.js';
import type { DriverLogger } from '../../drivers/driver.js';
import type { GpioOutput } from '../../drivers/gpio/gpio-output.js';
import type { GpioPortFactory } from '../../drivers/gpio/gpio-port.js';
import type { AlertResult } from '../../rules/rule-result.js';
import type { RuleSpec } from '../../rules/rule-spec.js';

interface RuleOutput {
  readonly output: GpioOutput;
  /** Sensors of the rule whose alert is firing: the output is on while any is. */
  readonly firing: Set<string>;
}

/**
 * Local actions on alert transitions: a GPIO output (relay, buzzer, lamp) that is on while any sensor of its rule
 * is firing, off once all resolved, and never on longer than `max_on` in one go. They run in the agent, before the
 * buffer, so they work while the uplink is down. A line that cannot be opened is logged and the alert still flows.
 */
export class AlertActions {
  private readonly outputs = new Map<string, RuleOutput>();

  constructor(
    private readonly log: DriverLogger,
    private readonly loadPortFactory?: () => Promise<GpioPortFactory>,
    /** The clock of the outputs' `max_on` limit. */
    private readonly clock?: Clock,
  ) {}

  /** Opens the outputs of every rule with `alert.gpio`; the GPIO driver is loaded only when one does. */
  async open(rules: readonly RuleSpec[]): Promise<void> {
    const withGpio = rules.filter((rule) => rule.alert?.gpio !== undefined);
    if (withGpio.length === 0) return;
    const { GpioOutput } = await import('../../drivers/gpio/gpio-output.js');
    for (const rule of withGpio) {
      const gpio = rule.alert!.gpio!;
      try {
        const output = await GpioOutput.open(
          {
            pin: gpio.pin,
            activeLow: gpio.activeLow,
            ...(gpio.maxOnMs === undefined ? {} : { maxOnMs: gpio.maxOnMs }),
            ...(gpio.chipPath === undefined ? {} : { chipPath: gpio.chipPath }),
            onSafetyOff: () => this.log.warn({ rule: rule.name, pin: gpio.pin }, `alert output GPIO${gpio.pin} switched off after max_on; the alert still fires`),
          },
          { ...(this.loadPortFactory ? { loadPortFactory: this.loadPortFactory } : {}), ...(this.clock ? { clock: this.clock } : {}), log: this.log },
        );
        this.outputs.set(rule.name, { output, firing: new Set() });
      } catch (error) {
        this.log.error({ rule: rule.name, pin: gpio.pin, error: (error as Error).message }, 'alert output could not be opened; the alert is still sent');
      }
    }
  }

  /** Follows one alert transition. */
  async transition(alert: Pick<AlertResult, 'rule' | 'source' | 'sensor' | 'state'>): Promise<void> {
    const target = this.outputs.get(alert.rule);
    if (!target) return;
    const key = `${alert.source}\u0000${alert.sensor}`;
    if (alert.state === 'firing') target.firing.add(key);
    else target.firing.delete(key);
    const on = target.firing.size > 0;
    if (on === target.output.isOn) return;
    try {
      await target.output.set(on);
      this.log.info({ rule: alert.rule, sensor: alert.sensor, on }, `alert output ${on ? 'on' : 'off'}`);
    } catch (error) {
      this.log.error({ rule: alert.rule, error: (error as Error).message }, 'alert output could not be switched');
    }
  }

  /** Switches every output off and gives the lines back. */
  async close(): Promise<void> {
    for (const { output } of this.outputs.values()) await output.close().catch(() => {});
    this.outputs.clear();
  }
}
