import { describe, expect, it } from 'vitest';
import { AlertLifecycle, type LifecycleSpec } from './alert-lifecycle.js';

const SECOND = 1000;
const spec = (overrides: Partial<LifecycleSpec> = {}): LifecycleSpec => ({ for: 0, keep_firing_for: 0, cooldown: 0, ...overrides });

/** Feeds (second, active) pairs; returns the transitions as `state@second`. */
function run(lifecycle: AlertLifecycle, steps: [number, boolean][]): string[] {
  const events: string[] = [];
  for (const [second, active] of steps) {
    const transition = lifecycle.observe(second * SECOND, active);
    if (transition) events.push(`${transition.previous}>${transition.state}@${second}`);
  }
  return events;
}

describe('alert lifecycle', () => {
  it('goes pending, then firing once the condition held for `for`, then resolved: one event per transition', () => {
    const lifecycle = new AlertLifecycle(spec({ for: 5 * SECOND }));
    const steps: [number, boolean][] = [[0, false], [1, true], [2, true], [3, true], [5, true], [6, true], [7, true], [8, false], [9, false]];
    expect(run(lifecycle, steps)).toEqual(['inactive>pending@1', 'pending>firing@6', 'firing>resolved@8']);
  });

  it('resolves a pending alert whose condition cleared before `for` ran out, without firing', () => {
    const lifecycle = new AlertLifecycle(spec({ for: 5 * SECOND }));
    expect(run(lifecycle, [[0, true], [3, false], [4, false]])).toEqual(['inactive>pending@0', 'pending>resolved@3']);
  });

  it('fires at once when `for` is 0, and a new episode after a resolve starts from resolved', () => {
    const lifecycle = new AlertLifecycle(spec());
    expect(run(lifecycle, [[0, true], [1, false], [2, true]])).toEqual(['inactive>firing@0', 'firing>resolved@1', 'resolved>firing@2']);
  });

  it('keeps firing for `keep_firing_for` after the condition was last active (Prometheus keep_firing_for)', () => {
    const lifecycle = new AlertLifecycle(spec({ keep_firing_for: 10 * SECOND }));
    const steps: [number, boolean][] = [[0, true], [5, false], [8, true], [12, false], [17, false], [18, false]];
    expect(run(lifecycle, steps)).toEqual(['inactive>firing@0', 'firing>resolved@18']);
  });

  it('lets tick fire a pending alert and resolve a held one when no reading comes', () => {
    const lifecycle = new AlertLifecycle(spec({ for: 5 * SECOND, keep_firing_for: 10 * SECOND }));
    lifecycle.observe(0, true);
    expect(lifecycle.tick(4 * SECOND)).toBeUndefined();
    expect(lifecycle.tick(5 * SECOND)).toMatchObject({ state: 'firing', previous: 'pending', since: 0 });
    lifecycle.observe(6 * SECOND, true);
    lifecycle.observe(7 * SECOND, false);
    expect(lifecycle.tick(15 * SECOND)).toBeUndefined();
    expect(lifecycle.tick(16 * SECOND)).toMatchObject({ state: 'resolved', previous: 'firing' });
    expect(lifecycle.tick(30 * SECOND)).toBeUndefined();
  });

  it('ignores the condition during the cooldown after a resolve', () => {
    const lifecycle = new AlertLifecycle(spec({ cooldown: 60 * SECOND }));
    const steps: [number, boolean][] = [[0, true], [1, false], [30, true], [40, false], [61, true]];
    expect(run(lifecycle, steps)).toEqual(['inactive>firing@0', 'firing>resolved@1', 'resolved>firing@61']);
  });

  it('holds a flapping alert firing until the condition has been quiet for the flap window', () => {
    const lifecycle = new AlertLifecycle(spec({ flap: { window: 60 * SECOND, max_firings: 3 } }));
    const toggles: [number, boolean][] = [];
    for (let second = 0; second < 20; second++) toggles.push([second, second % 2 === 0]);
    toggles.push([79, false], [80, false]);
    expect(run(lifecycle, toggles)).toEqual([
      'inactive>firing@0', 'firing>resolved@1', 'resolved>firing@2', 'firing>resolved@3', 'resolved>firing@4',
      // Third firing within a minute: flapping, so no more toggling until a quiet minute after the last activity.
      'firing>resolved@79',
    ]);
  });

  it('carries on after export and import: a firing alert does not fire again, a pending one keeps its start', () => {
    const firing = new AlertLifecycle(spec({ for: 5 * SECOND }));
    run(firing, [[0, true], [6, true]]);
    const restoredFiring = new AlertLifecycle(spec({ for: 5 * SECOND }));
    restoredFiring.importState(JSON.parse(JSON.stringify(firing.exportState())));
    expect(run(restoredFiring, [[100, true], [101, true], [102, false]])).toEqual(['firing>resolved@102']);

    const pending = new AlertLifecycle(spec({ for: 5 * SECOND }));
    run(pending, [[0, true], [2, true]]);
    const restoredPending = new AlertLifecycle(spec({ for: 5 * SECOND }));
    restoredPending.importState(JSON.parse(JSON.stringify(pending.exportState())));
    expect(restoredPending.current).toBe('pending');
    expect(run(restoredPending, [[4, true], [5, true]])).toEqual(['pending>firing@5']);
    expect(restoredPending.episodeStart).toBe(0);
  });

  it('resolves an acknowledged alert at once, and starts no episode until the condition has cleared', () => {
    const lifecycle = new AlertLifecycle(spec());
    expect(lifecycle.acknowledge(0)).toBeUndefined();
    lifecycle.observe(0, true);
    expect(lifecycle.acknowledge(10 * SECOND)).toEqual({ state: 'resolved', previous: 'firing', since: 0, resolution: 'acknowledged' });
    expect(lifecycle.acknowledge(11 * SECOND)).toBeUndefined();
    expect(lifecycle.acceptedWhileActive).toBe('acknowledged');
    expect(run(lifecycle, [[20, true], [30, true], [40, false], [50, true]])).toEqual(['resolved>firing@50']);
  });

  it('takes a condition that held `learn_new_normal_after` past the firing as the new normal, on a tick too', () => {
    const lifecycle = new AlertLifecycle(spec({ for: 5 * SECOND, learn_new_normal_after: 60 * SECOND }));
    run(lifecycle, [[0, true], [5, true], [30, true]]);
    expect(lifecycle.tick(64 * SECOND)).toBeUndefined();
    expect(lifecycle.tick(65 * SECOND)).toEqual({ state: 'resolved', previous: 'firing', since: 0, resolution: 'new normal' });
    expect(run(lifecycle, [[70, true], [80, false], [90, true]])).toEqual(['resolved>pending@90']);
  });

  it('resolves as usual, with no resolution, when the condition clears before learn_new_normal_after', () => {
    const lifecycle = new AlertLifecycle(spec({ learn_new_normal_after: 60 * SECOND }));
    expect(run(lifecycle, [[0, true], [59, true], [60, false], [61, true]])).toEqual(['inactive>firing@0', 'firing>resolved@60', 'resolved>firing@61']);
  });

  it('keeps an acknowledgement and the firing time across export and import', () => {
    const acknowledged = new AlertLifecycle(spec());
    run(acknowledged, [[0, true]]);
    acknowledged.acknowledge(SECOND);
    const restored = new AlertLifecycle(spec());
    restored.importState(JSON.parse(JSON.stringify(acknowledged.exportState())));
    expect(run(restored, [[2, true], [3, false], [4, true]])).toEqual(['resolved>firing@4']);

    const firing = new AlertLifecycle(spec({ learn_new_normal_after: 60 * SECOND }));
    run(firing, [[0, true]]);
    const restoredFiring = new AlertLifecycle(spec({ learn_new_normal_after: 60 * SECOND }));
    restoredFiring.importState(JSON.parse(JSON.stringify(firing.exportState())));
    expect(run(restoredFiring, [[59, true], [60, true]])).toEqual(['firing>resolved@60']);
  });

  it('rejects negative durations and a flap rule that cannot flap', () => {
    expect(() => new AlertLifecycle(spec({ for: -1 }))).toThrow(/for must be/);
    expect(() => new AlertLifecycle(spec({ flap: { window: 1000, max_firings: 1 } }))).toThrow(/max_firings/);
    expect(() => new AlertLifecycle(spec({ learn_new_normal_after: 0 }))).toThrow(/learn_new_normal_after must be/);
  });
});
