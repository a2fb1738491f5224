import { Readable } from 'node:stream';
import { CSV_BOM, csvRecord } from './csv';
import type { ExportKind } from './export-request';
import { EXPORT_COLUMNS, type ExportValue } from './export-rows';

/**
 * An export as CSV, one chunk per batch of rows: the byte-order mark and the header first, then the rows.
 * `Readable.from` pulls the next batch only when the reader has taken the previous one, so a slow
 * download slows the walk instead of filling memory. `onBatch` hears the running count (a job's progress).
 */
export function exportCsvStream(kind: ExportKind, batches: AsyncIterable<{ values: ExportValue[][] }>, onBatch?: (done: number) => Promise<void>): Readable {
  async function* chunks(): AsyncGenerator<string> {
    yield CSV_BOM + csvRecord(EXPORT_COLUMNS[kind]);
    let done = 0;
    for await (const batch of batches) {
      yield batch.values.map(csvRecord).join('');
      done += batch.values.length;
      await onBatch?.(done);
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}
