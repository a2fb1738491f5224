export * from './jambonz-connection.service';
export * from './jambonz-reconciler';
export * from './provisioning.factory';
export * from './speech-credentials.service';
