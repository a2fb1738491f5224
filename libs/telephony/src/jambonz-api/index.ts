export * from './jambonz-api.client';
export * from './jambonz-api.errors';
export * from './jambonz-api.types';
