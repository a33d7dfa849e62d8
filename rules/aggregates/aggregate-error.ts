/** An aggregate list the user wrote that cannot be used; the message says what to write instead. */
export class AggregateError extends Error {
  constructor(
    message: string,
    /** Position of the offending item in the `aggregates:` list, where one item is to blame. */
    readonly index?: number,
  ) {
    super(message);
    this.name = 'AggregateError';
  }
}
