import { CovarianceAccumulator } from './covariance-accumulator.js';
import { LEARNING, newVerdict, setVerdict, type Verdict } from './detector.js';
import { GroupRows } from './group-rows.js';
import { PcaModel } from './pca-model.js';

/**
 * `anomaly: { across: [...] }`: learns how a group of sensors move together and fires when the relationship breaks,
 * even with every value in its usual range. Rows (see `GroupRows`) feed a learning period; the first two thirds fit
 * a PCA model (`PcaModel`), the last third is scored by it as data it has not seen, which gives the statistics'
 * honest in-control distribution; the model is then refitted on the whole period and frozen. Each statistic (T², SPE)
 * is smoothed over rows (EWMA); the condition starts when a watched smoothed statistic goes above `margin` × its
 * `quantile` on the held-out third, and holds until it is back under that quantile. Empirical limits rather than the F / χ² approximations: those assume independent
 * normal rows, and sensor rows are autocorrelated and rarely normal, which makes the textbook limits far too tight.
 */
export interface GroupAnomalySpec {
  /** The group's sensors: full sensor names, or last name levels matched per device (see `group-members.ts`). */
  readonly across: readonly string[];
  /** Rows in the learning period. */
  readonly learn: number;
  /** Share of the (standardised) variance the retained components explain; the rest is the residual SPE sees. */
  readonly variance: number;
  /** EWMA weight of a new row in the smoothed statistics: 1 = no smoothing. */
  readonly smoothing: number;
  /** Quantile of the held-out smoothed statistics taken as the base of each limit. */
  readonly quantile: number;
  /** The limit is this many times that quantile. */
  readonly margin: number;
  /**
   * Which statistics start an alert: `spe` (off the relationship), `t2` (along it, further out than learnt) or
   * `both`. Both are always computed; `t2` alone is the classic Hotelling chart.
   */
  readonly watch: 'spe' | 't2' | 'both';
  /** Ms a sensor's last value may be carried into later rows; undefined: 3 × its typical interval. */
  readonly stale_after?: number;
  /** One group per value of this tag, instead of per source or device (see `group-members.ts`). */
  readonly by_tag?: string;
}

/**
 * Chosen on simulated pump recordings (seeds 42–44, `bench/group-anomaly/score.ts`): the best point-wise F1 with at most
 * one false alarm a day; scored on other seeds in BENCHMARKS.md.
 */
export const GROUP_DEFAULTS: Omit<GroupAnomalySpec, 'across'> = {
  learn: 3000,
  variance: 0.9,
  smoothing: 0.05,
  quantile: 0.99,
  margin: 1.5,
  watch: 'spe',
};

/** The group has a sensor whose last value is too old: no opinion, nothing learnt. */
export const INCOMPLETE = 'incomplete';
/** SPE is the larger: the row is off the learnt relationship. */
export const RELATIONSHIP_BROKEN = 'relationship broken';
/** T² is the larger: along the learnt relationship, but further out than anything learnt. */
export const UNUSUAL_COMBINATION = 'unusual combination';

/** Fewest rows that can fit a model and calibrate limits. */
const MIN_LEARN_ROWS = 30;
/** Contributions printed in a message. */
const TOP_CONTRIBUTORS = 3;
/** Smallest limit, so a group that was exactly constant while learning fires on any change instead of on NaN. */
const MIN_LIMIT = 1e-9;

export function checkGroupSpec(spec: GroupAnomalySpec): void {
  const p = spec.across.length;
  if (p < 2 || p > 16) throw new Error(`across: name 2 to 16 sensors, got ${p}`);
  if (new Set(spec.across).size !== p) throw new Error('across: each sensor once');
  if (!(Number.isInteger(spec.learn) && spec.learn >= MIN_LEARN_ROWS)) throw new Error(`learn: at least ${MIN_LEARN_ROWS} rows, got ${spec.learn}`);
  if (!(spec.learn >= 10 * p)) throw new Error(`learn: at least 10 rows per sensor (${10 * p} for ${p} sensors), got ${spec.learn}`);
  if (!(spec.variance > 0 && spec.variance <= 1)) throw new Error(`variance: between 0 and 1, got ${spec.variance}`);
  if (!(spec.smoothing > 0 && spec.smoothing <= 1)) throw new Error(`smoothing: between 0 and 1, got ${spec.smoothing}`);
  if (!(spec.quantile > 0 && spec.quantile <= 1)) throw new Error(`quantile: between 0 and 1, got ${spec.quantile}`);
  if (!(spec.margin > 0)) throw new Error(`margin: more than 0, got ${spec.margin}`);
  if (spec.stale_after !== undefined && !(spec.stale_after > 0)) throw new Error(`stale_after: a positive duration, got ${spec.stale_after}`);
  if (spec.by_tag !== undefined && spec.by_tag === '') throw new Error('by_tag: name a tag');
}

type Phase = 'fitting' | 'calibrating' | 'watching';
const PHASES: ReadonlySet<string> = new Set<Phase>(['fitting', 'calibrating', 'watching']);

/**
 * What a group has learnt, and how far, as plain JSON (`GroupAnomalyDetector.exportModel`): the running mean and
 * co-moments of the rows learnt (p + p² numbers); while calibrating, the mean and covariance the first model was
 * fitted on and the held-out statistics so far; once watching, the limits; and the smoothed statistics that carry on
 * from row to row. The watching model itself is refitted from the co-moments, which stop changing once learnt.
 */
export interface GroupModelSnapshot {
  readonly phase: Phase;
  readonly rows: number;
  readonly mean: readonly number[];
  /** Row-major p × p, upper triangle used. */
  readonly comoment: readonly number[];
  readonly fit?: { readonly mean: readonly number[]; readonly covariance: readonly number[] };
  readonly heldOut?: { readonly t2: readonly number[]; readonly spe: readonly number[] };
  readonly limits?: { readonly t2: number; readonly spe: number };
  /** Absent before the first row is scored. `active`: the last verdict, for the hysteresis. */
  readonly smoothed?: { readonly t2: number; readonly spe: number; readonly contributions: readonly number[]; readonly active: boolean };
}

export class GroupAnomalyDetector {
  readonly rows: GroupRows;
  private readonly p: number;
  private readonly fitRows: number;
  private readonly accumulator: CovarianceAccumulator;
  private phase: Phase = 'fitting';
  private model: PcaModel | undefined;
  /** While calibrating: what `model` was fitted on, to keep it across a restart (the accumulator moves on). */
  private fitted: { readonly mean: Float64Array; readonly covariance: Float64Array } | undefined;
  /** Held-out smoothed statistics while calibrating; dropped once the limits are set. */
  private heldOutT2: Float64Array | undefined;
  private heldOutSpe: Float64Array | undefined;
  private heldOut = 0;
  private limitT2 = Number.NaN;
  private limitSpe = Number.NaN;
  private smoothT2 = Number.NaN;
  private smoothSpe = Number.NaN;
  /** Smoothed per-sensor contributions: [0, p) to T², [p, 2p) to SPE. */
  private readonly smoothContributions: Float64Array;
  private readonly contributions: Float64Array;
  private readonly speOut = new Float64Array(1);
  private readonly verdict: Verdict = newVerdict();
  /** Rows the group could not form because a sensor's value was too old, for health and tests. */
  incompleteRows = 0;

  /** `names`: the group's sensor names in `across` order, for messages. */
  constructor(
    private readonly spec: GroupAnomalySpec,
    private readonly names: readonly string[],
  ) {
    checkGroupSpec(spec);
    this.p = spec.across.length;
    this.rows = new GroupRows(this.p, spec.stale_after);
    this.fitRows = Math.ceil((spec.learn * 2) / 3);
    this.accumulator = new CovarianceAccumulator(this.p);
    this.smoothContributions = new Float64Array(2 * this.p);
    this.contributions = new Float64Array(2 * this.p);
  }

  /** True once the model and its limits are learnt. */
  get learnt(): boolean {
    return this.phase === 'watching';
  }

  /** Current limits on the smoothed T² and SPE (NaN while learning). */
  get limits(): { readonly t2: number; readonly spe: number } {
    return { t2: this.limitT2, spe: this.limitSpe };
  }

  /** Retained principal components (0 while learning). */
  get components(): number {
    return this.model?.k ?? 0;
  }

  /**
   * Takes sensor `index`'s reading. Returns the verdict for the row it closed (reason `learning` while learning,
   * `incomplete` when a sensor's value was too old), or undefined when it closed none. The verdict object is reused.
   */
  update(index: number, timestamp: number, value: number): Readonly<Verdict> | undefined {
    const outcome = this.rows.offer(index, timestamp, value);
    if (outcome === 'none') return undefined;
    if (outcome === 'incomplete') {
      this.incompleteRows += 1;
      return setVerdict(this.verdict, false, 0, Number.NaN, Number.NaN, INCOMPLETE);
    }
    return this.scoreRow(this.rows.row);
  }

  /**
   * The sensors that contribute most to the statistic that dominates now, with their shares, e.g.
   * `pump/flow 61%, pump/pressure 24%, pump/current 9%`. Built on demand (only for a transition's message).
   */
  contributors(): string {
    if (!this.learnt) return '';
    const offset = this.verdict.reason === UNUSUAL_COMBINATION ? 0 : this.p;
    let total = 0;
    for (let j = 0; j < this.p; j++) total += Math.max(this.smoothContributions[offset + j]!, 0);
    if (!(total > 0)) return '';
    return Array.from({ length: this.p }, (_, j) => ({ name: this.names[j]!, share: Math.max(this.smoothContributions[offset + j]!, 0) / total }))
      .sort((a, b) => b.share - a.share)
      .slice(0, TOP_CONTRIBUTORS)
      .filter((entry) => entry.share >= 0.005)
      .map((entry) => `${entry.name} ${Math.round(entry.share * 100)}%`)
      .join(', ');
  }

  /** Which sensors made the last row incomplete, e.g. `pump/vibration`. */
  missingSensors(): string {
    return this.names.filter((_, j) => this.rows.missing[j] === 1).join(', ');
  }

  /** A person acknowledged the alert, or `learn_new_normal_after` ran out: learn the group afresh from now. */
  acceptNewNormal(): void {
    this.phase = 'fitting';
    this.model = undefined;
    this.fitted = undefined;
    this.accumulator.reset();
    this.heldOutT2 = this.heldOutSpe = undefined;
    this.heldOut = 0;
    this.limitT2 = this.limitSpe = this.smoothT2 = this.smoothSpe = Number.NaN;
    this.smoothContributions.fill(0);
  }

  clockStepped(stepMs: number): void {
    this.rows.clockStepped(stepMs);
  }

  /**
   * The model and the learning progress, to be saved (`GroupModelSnapshot`); `rows` 0 while nothing is learnt yet.
   * Rows in the making (`GroupRows`) are not kept: after a restart the first row forms from the readings that come.
   */
  exportModel(): GroupModelSnapshot {
    const { rows, mean, comoment } = this.accumulator.export();
    const calibrating = this.phase === 'calibrating';
    return {
      phase: this.phase,
      rows,
      mean,
      comoment,
      ...(calibrating && this.fitted ? { fit: { mean: Array.from(this.fitted.mean), covariance: Array.from(this.fitted.covariance) } } : {}),
      ...(calibrating ? { heldOut: { t2: Array.from(this.heldOutT2!.subarray(0, this.heldOut)), spe: Array.from(this.heldOutSpe!.subarray(0, this.heldOut)) } } : {}),
      ...(this.phase === 'watching' ? { limits: { t2: this.limitT2, spe: this.limitSpe } } : {}),
      ...(Number.isNaN(this.smoothT2)
        ? {}
        : { smoothed: { t2: this.smoothT2, spe: this.smoothSpe, contributions: Array.from(this.smoothContributions), active: this.verdict.active } }),
    };
  }

  /**
   * Takes `exportModel` output of an earlier run of the same spec (the caller compares the specs) into a detector
   * that has learnt nothing yet, so it carries on where it was: watching, or learning from the row it had reached.
   * Throws, saying why, on anything that is not such a snapshot; the detector is then unchanged.
   */
  resumeModel(snapshot: unknown): void {
    const model = checkModel(snapshot, this.p, this.spec.learn, this.fitRows);
    this.accumulator.restore(model);
    this.phase = model.phase;
    this.fitted = undefined;
    this.model = undefined;
    if (model.phase === 'calibrating') {
      this.fitted = { mean: Float64Array.from(model.fit!.mean), covariance: Float64Array.from(model.fit!.covariance) };
      this.model = new PcaModel({ ...this.fitted, variance: this.spec.variance });
      this.heldOutT2 = new Float64Array(this.spec.learn - this.fitRows);
      this.heldOutSpe = new Float64Array(this.spec.learn - this.fitRows);
      this.heldOutT2.set(model.heldOut!.t2);
      this.heldOutSpe.set(model.heldOut!.spe);
      this.heldOut = model.heldOut!.t2.length;
    } else if (model.phase === 'watching') {
      this.model = this.fit();
      this.limitT2 = model.limits!.t2;
      this.limitSpe = model.limits!.spe;
    }
    if (model.smoothed) {
      this.smoothT2 = model.smoothed.t2;
      this.smoothSpe = model.smoothed.spe;
      this.smoothContributions.set(model.smoothed.contributions);
      this.verdict.active = model.smoothed.active;
    }
  }

  private scoreRow(row: Float64Array): Readonly<Verdict> {
    if (this.phase !== 'watching') {
      this.learnRow(row);
      return setVerdict(this.verdict, false, 0, Number.NaN, Number.NaN, LEARNING);
    }
    this.smooth(row);
    const watch = this.spec.watch;
    const t2Ratio = watch === 'spe' ? 0 : this.smoothT2 / this.limitT2;
    const speRatio = watch === 't2' ? 0 : this.smoothSpe / this.limitSpe;
    const speDominates = speRatio >= t2Ratio;
    const score = speDominates ? speRatio : t2Ratio;
    // Hysteresis: an episode lasts until the statistic is back under the held-out quantile itself (1 / margin of
    // the limit), so a fault hovering at the limit is one alert, not a string of them.
    const active = score > 1 || (this.verdict.active && score > 1 / this.spec.margin);
    return setVerdict(
      this.verdict,
      active,
      score,
      speDominates ? this.smoothSpe : this.smoothT2,
      speDominates ? this.limitSpe : this.limitT2,
      speDominates ? RELATIONSHIP_BROKEN : UNUSUAL_COMBINATION,
    );
  }

  private learnRow(row: Float64Array): void {
    this.accumulator.add(row);
    if (this.phase === 'calibrating') {
      this.smooth(row);
      this.heldOutT2![this.heldOut] = this.smoothT2;
      this.heldOutSpe![this.heldOut] = this.smoothSpe;
      this.heldOut += 1;
    }
    if (this.phase === 'fitting' && this.accumulator.rows === this.fitRows) {
      // Kept while calibrating, to rebuild this model after a restart: the accumulator moves on.
      this.fitted = { mean: Float64Array.from(this.accumulator.mean), covariance: this.accumulator.covariance() };
      this.model = new PcaModel({ ...this.fitted, variance: this.spec.variance });
      this.phase = 'calibrating';
      this.heldOutT2 = new Float64Array(this.spec.learn - this.fitRows);
      this.heldOutSpe = new Float64Array(this.spec.learn - this.fitRows);
    } else if (this.phase === 'calibrating' && this.accumulator.rows === this.spec.learn) {
      this.limitT2 = Math.max(this.spec.margin * quantile(this.heldOutT2!, this.spec.quantile), MIN_LIMIT);
      this.limitSpe = Math.max(this.spec.margin * quantile(this.heldOutSpe!, this.spec.quantile), MIN_LIMIT);
      this.heldOutT2 = this.heldOutSpe = undefined;
      // The final model uses every learnt row; the limits came from rows the first model had not seen, so they
      // are, if anything, a little wide for it.
      // Rebuilt from the accumulator after a restart: it stops changing here.
      this.model = this.fit();
      this.fitted = undefined;
      this.phase = 'watching';
    }
  }

  private fit(): PcaModel {
    return new PcaModel({ mean: this.accumulator.mean, covariance: this.accumulator.covariance(), variance: this.spec.variance });
  }

  private smooth(row: Float64Array): void {
    const t2 = this.model!.score(row, this.speOut, this.contributions);
    const spe = this.speOut[0]!;
    const weight = this.spec.smoothing;
    const first = Number.isNaN(this.smoothT2);
    this.smoothT2 = first ? t2 : this.smoothT2 + weight * (t2 - this.smoothT2);
    this.smoothSpe = first ? spe : this.smoothSpe + weight * (spe - this.smoothSpe);
    for (let j = 0; j < this.contributions.length; j++) {
      const c = this.contributions[j]!;
      this.smoothContributions[j] = first ? c : this.smoothContributions[j]! + weight * (c - this.smoothContributions[j]!);
    }
  }
}

/** The q-quantile (nearest rank) of `values`; sorts a copy. */
function quantile(values: Float64Array, q: number): number {
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** Checks a saved `GroupModelSnapshot` against the group's size and learning period; throws saying what is wrong. */
function checkModel(snapshot: unknown, p: number, learn: number, fitRows: number): GroupModelSnapshot {
  const fail = (why: string): never => {
    throw new Error(`group model: ${why}`);
  };
  if (typeof snapshot !== 'object' || snapshot === null) return fail('not an object');
  const model = snapshot as Record<string, unknown>;
  const numbers = (value: unknown, length: number | undefined, what: string) => {
    if (!Array.isArray(value) || (length !== undefined && value.length !== length) || !value.every((n) => typeof n === 'number' && Number.isFinite(n))) {
      fail(`${what} is not ${length === undefined ? 'a list of' : length} finite numbers`);
    }
  };
  const number = (value: unknown, what: string) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) fail(`${what} is not a finite number`);
  };
  const { phase, rows } = model;
  if (typeof phase !== 'string' || !PHASES.has(phase)) return fail(`phase is ${String(phase)}`);
  if (!Number.isInteger(rows) || (rows as number) < 0) return fail(`rows is ${String(rows)}`);
  const n = rows as number;
  // Where each phase ends: fitting before `fitRows` rows, calibrating before `learn`, watching at `learn`.
  const [low, high] = phase === 'fitting' ? [0, fitRows - 1] : phase === 'calibrating' ? [fitRows, learn - 1] : [learn, learn];
  if (n < low || n > high) fail(`${n} rows learnt do not fit phase ${phase} of a learning period of ${learn} rows`);
  numbers(model.mean, p, 'mean');
  numbers(model.comoment, p * p, 'comoment');
  if (phase === 'calibrating') {
    const fit = (model.fit ?? {}) as Record<string, unknown>;
    numbers(fit.mean, p, 'fit.mean');
    numbers(fit.covariance, p * p, 'fit.covariance');
    const heldOut = (model.heldOut ?? {}) as Record<string, unknown>;
    numbers(heldOut.t2, n - fitRows, 'heldOut.t2');
    numbers(heldOut.spe, n - fitRows, 'heldOut.spe');
  }
  if (phase === 'watching') {
    const limits = (model.limits ?? {}) as Record<string, unknown>;
    number(limits.t2, 'limits.t2');
    number(limits.spe, 'limits.spe');
  }
  if (model.smoothed !== undefined) {
    const smoothed = (model.smoothed ?? {}) as Record<string, unknown>;
    number(smoothed.t2, 'smoothed.t2');
    number(smoothed.spe, 'smoothed.spe');
    numbers(smoothed.contributions, 2 * p, 'smoothed.contributions');
    if (typeof smoothed.active !== 'boolean') fail('smoothed.active is not true or false');
  }
  return snapshot as GroupModelSnapshot;
}
