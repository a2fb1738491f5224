export { CSV_BOM, csvField, csvRecord } from './csv';
export * from './export-errors';
export * from './export-request';
export { EXPORT_COLUMNS, type ClientContext as ExportClientContext } from './export-rows';
export * from './data-exports.service';
