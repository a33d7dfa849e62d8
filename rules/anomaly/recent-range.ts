/**
 * The range (smallest and largest) of the numbers added since a moving start: numbers are added with the step they
 * were found at, and asked for with the first step that still counts. Both ends only move forward, so each number
 * enters and leaves each of two monotonic queues once: amortised O(1) per number. Used while a pattern search fills
 * its history, to say which distances were found among enough candidates to bound the range seen.
 */
export class RecentRange {
  /** Steps and values of the candidates for the largest (values decreasing) and the smallest (values increasing). */
  private readonly highSteps: number[] = [];
  private readonly highValues: number[] = [];
  private readonly lowSteps: number[] = [];
  private readonly lowValues: number[] = [];
  private highHead = 0;
  private lowHead = 0;

  add(step: number, value: number): void {
    const { highSteps, highValues, lowSteps, lowValues } = this;
    while (highValues.length > this.highHead && highValues[highValues.length - 1]! <= value) {
      highValues.pop();
      highSteps.pop();
    }
    highValues.push(value);
    highSteps.push(step);
    while (lowValues.length > this.lowHead && lowValues[lowValues.length - 1]! >= value) {
      lowValues.pop();
      lowSteps.pop();
    }
    lowValues.push(value);
    lowSteps.push(step);
  }

  /** Forgets the numbers found before `step`. */
  dropBefore(step: number): void {
    while (this.highHead < this.highSteps.length && this.highSteps[this.highHead]! < step) this.highHead += 1;
    while (this.lowHead < this.lowSteps.length && this.lowSteps[this.lowHead]! < step) this.lowHead += 1;
  }

  /** The largest number kept; NaN when none is. */
  get high(): number {
    return this.highHead < this.highValues.length ? this.highValues[this.highHead]! : Number.NaN;
  }

  /** The smallest number kept; NaN when none is. */
  get low(): number {
    return this.lowHead < this.lowValues.length ? this.lowValues[this.lowHead]! : Number.NaN;
  }
}
