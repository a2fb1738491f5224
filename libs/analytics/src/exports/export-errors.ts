import { TeroError } from '@tero/sdk';

/** A date range longer than an export or report takes (a ten-year range would walk a decade of calls). */
export class RangeTooLongError extends TeroError {
  constructor(days: number, maxDays: number) {
    super('analytics.exports.range_too_long', `the range covers ${days} days; at most ${maxDays} are exported at once`, { days, maxDays }, { status: 400 });
  }
}

/** An export job that does not exist, is forgotten, or belongs to another client: the same answer for all three. */
export class ExportNotFoundError extends TeroError {
  constructor() {
    super('analytics.exports.not_found', 'no such export', {}, { status: 404 });
  }
}

/** An export job still running (or failed) asked for its file. */
export class ExportNotReadyError extends TeroError {
  constructor(state: string) {
    super('analytics.exports.not_ready', `the export is ${state}, its file is not ready`, { state }, { status: 409 });
  }
}

/** An export's file past its day of keeping. */
export class ExportExpiredError extends TeroError {
  constructor() {
    super('analytics.exports.expired', 'the export file has expired; export again', {}, { status: 410 });
  }
}
