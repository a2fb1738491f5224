/** One problem of an import, where a spreadsheet shows it: row 1 is the header, data starts at row 2. */
export interface RowProblem {
  row: number;
  field: string;
  reason: string;
}

/** The columns an import file may have; `number` is required. */
export const IMPORT_COLUMNS = ['number', 'country', 'carrier_sid', 'label'] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];

export interface CsvRow {
  /** The row as a spreadsheet numbers it (the header is row 1). */
  row: number;
  values: Partial<Record<ImportColumn, string>>;
}

export interface ParsedCsv {
  rows: CsvRow[];
  problems: RowProblem[];
}

/** Rows one file may hold; a bigger pool is imported in several files. */
export const MAX_IMPORT_ROWS = 20_000;
/** Bytes one file may have (20,000 rows with labels fit well within it). */
export const MAX_IMPORT_BYTES = 2 * 1024 * 1024;

/**
 * Splits CSV text into records (RFC 4180: quoted fields may hold the delimiter, quotes doubled, and line
 * breaks). The delimiter is a comma, or a semicolon when the header has semicolons and no comma (as
 * spreadsheets save CSV in much of Europe). Returns the records and, for a broken quote, the row.
 */
function records(text: string): { records: string[][]; broken: number | null } {
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const delimiter = firstLine.includes(';') && !firstLine.includes(',') ? ';' : ',';
  const out: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let fieldStarted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
      continue;
    }
    if (ch === '"' && !fieldStarted) {
      quoted = true;
      fieldStarted = true;
    } else if (ch === delimiter) {
      record.push(field);
      field = '';
      fieldStarted = false;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      out.push(record);
      record = [];
      field = '';
      fieldStarted = false;
    } else {
      field += ch;
      fieldStarted = true;
    }
  }
  if (quoted) return { records: out, broken: out.length + 1 };
  if (fieldStarted || record.length) {
    record.push(field);
    out.push(record);
  }
  return { records: out, broken: null };
}

/**
 * Reads an import file: a header row naming the columns (any order, any case; `carrier sid` and
 * `carrier-sid` read as `carrier_sid`), then one number per row. Blank rows are skipped. Problems of the
 * file itself (no header, unknown or repeated columns, too many rows, a row with more fields than the
 * header) are reported with their row; the values are checked by the pool.
 */
export function parseNumbersCsv(input: string | Buffer): ParsedCsv {
  const bytes = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
  if (bytes > MAX_IMPORT_BYTES) return { rows: [], problems: [{ row: 0, field: 'file', reason: `is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB; split it` }] };
  let text = typeof input === 'string' ? input : input.toString('utf8');
  if (text.includes('\u0000')) return { rows: [], problems: [{ row: 0, field: 'file', reason: 'is not a text (CSV) file' }] };
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const { records: all, broken } = records(text);
  if (broken !== null) return { rows: [], problems: [{ row: broken, field: 'file', reason: 'has a quote that is never closed' }] };
  const headerIndex = all.findIndex((r) => r.some((cell) => cell.trim() !== ''));
  if (headerIndex < 0) return { rows: [], problems: [{ row: 1, field: 'file', reason: 'is empty: expected a header row (number,country,carrier_sid,label) and numbers' }] };
  const problems: RowProblem[] = [];
  const header = all[headerIndex]!.map((cell) => cell.trim().toLowerCase().replace(/[\s-]+/g, '_'));
  const headerRow = headerIndex + 1;
  const columns: (ImportColumn | null)[] = [];
  for (const name of header) {
    if (!(IMPORT_COLUMNS as readonly string[]).includes(name)) {
      problems.push({ row: headerRow, field: 'header', reason: name ? `has an unknown column "${name.slice(0, 40)}" (expected ${IMPORT_COLUMNS.join(', ')})` : 'has an empty column name' });
      columns.push(null);
    } else if (columns.includes(name as ImportColumn)) {
      problems.push({ row: headerRow, field: 'header', reason: `names the column "${name}" twice` });
      columns.push(null);
    } else columns.push(name as ImportColumn);
  }
  if (!columns.includes('number')) problems.push({ row: headerRow, field: 'header', reason: 'has no "number" column' });
  if (problems.length) return { rows: [], problems };

  const rows: CsvRow[] = [];
  for (let i = headerIndex + 1; i < all.length; i++) {
    const record = all[i]!;
    if (record.every((cell) => cell.trim() === '')) continue;
    const row = i + 1;
    if (rows.length >= MAX_IMPORT_ROWS) {
      problems.push({ row, field: 'file', reason: `has more than ${MAX_IMPORT_ROWS} numbers; split it` });
      break;
    }
    if (record.length > columns.length && record.slice(columns.length).some((cell) => cell.trim() !== '')) {
      problems.push({ row, field: 'row', reason: `has ${record.length} fields but the header names ${columns.length}` });
      continue;
    }
    const values: CsvRow['values'] = {};
    columns.forEach((column, index) => {
      const cell = record[index]?.trim();
      if (column && cell) values[column] = cell;
    });
    rows.push({ row, values });
  }
  if (!rows.length && !problems.length) problems.push({ row: headerRow + 1, field: 'file', reason: 'has a header but no numbers' });
  return { rows, problems };
}
