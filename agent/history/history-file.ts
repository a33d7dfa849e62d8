/** The history's file name inside the data directory, beside the delivery buffer. */
export const HISTORY_FILE = 'history.sqlite';
