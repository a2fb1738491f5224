import { ValidationError } from '@tero/accounts';
import { TeroError } from '@tero/sdk';
import type { StepProblem } from './wizard-steps';

/**
 * A step's input is not valid: every field with its reason code (translated as
 * `onboarding:reason.<code>`). A 400 that changed nothing; it is a {@link ValidationError}, so callers
 * that only know those still show each field.
 */
export class StepInvalidError extends ValidationError {
  constructor(
    readonly step: string,
    readonly issues: StepProblem[],
  ) {
    super(issues.map((issue) => ({ field: issue.field, reason: issue.code })));
  }
}

/**
 * The form was rendered from an older state: the same step submitted twice, or saved from another tab.
 * A 409 that changed nothing; the page shows what is stored now.
 */
export class StepAlreadySavedError extends TeroError {
  constructor(step: string) {
    super('onboarding.already_saved', `this step was already saved (a double submit or another tab); nothing was changed`, { step }, { status: 409 });
  }
}

/** A client that did not sign up through the wizard (or another client's wizard): 404. */
export class WizardNotFoundError extends TeroError {
  constructor() {
    super('onboarding.not_found', 'this business has no setup wizard', {}, { status: 404 });
  }
}
