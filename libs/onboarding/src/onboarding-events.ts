/**
 * Events of a client's onboarding on the event bus (`{ type, brandId, clientId, payload }`): the e-mail
 * sequences start and stop on them, and the dashboard shows the checklist from the wizard's state.
 */
export const ONBOARDING_EVENTS = {
  /** A client was created through the public sign-up. Payload: `{ userId }` (the owner). */
  started: 'onboarding.started',
  /** One wizard step was completed. Payload: `{ step }`. */
  stepCompleted: 'onboarding.step_completed',
  /** Every step of the wizard is complete. Payload: `{}`. */
  completed: 'onboarding.completed',
} as const;
