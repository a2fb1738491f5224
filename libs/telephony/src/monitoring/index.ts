export * from './jambonz-ingestion';
export * from './monitor-alerts';
export * from './monitoring.factory';
export * from './monitoring.queries';
export * from './monitoring-thresholds';
export * from './monitoring.settings';
