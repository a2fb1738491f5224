/** The setup wizard: steps and their validation, the stored state with its checklist, and completion. */
export * from './wizard-steps';
export * from './wizard-errors';
export * from './wizard.service';
