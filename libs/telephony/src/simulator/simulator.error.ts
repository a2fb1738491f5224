import { TeroError } from '@tero/sdk';
import type { SimulatedCall } from './simulator.types';

/** Why a simulated call could not go on. */
export type SimulatorErrorCode =
  /** The call request itself is wrong (a missing number, a bad URL). */
  | 'simulator.bad_request'
  /** A hook answered a non-2xx status or no JSON array, or could not be reached in time. */
  | 'simulator.hook_failed'
  /** `@jambonz/verb-specifications` refused the verbs a hook answered. */
  | 'simulator.invalid_verbs'
  /** A verb or option the simulator does not play. */
  | 'simulator.unsupported_verb'
  /** More hooks in one call than the simulator allows. */
  | 'simulator.loop'
  /** The caller input source answered something that is not a caller action. */
  | 'simulator.bad_script';

/**
 * Where a simulated call went wrong in a way real jambonz would not accept, or the simulator cannot
 * play. It carries the call up to that point, so a test or the CLI can show what happened before.
 */
export class SimulatorError extends TeroError {
  constructor(
    override readonly code: SimulatorErrorCode,
    message: string,
    readonly call: SimulatedCall | null,
    params: Record<string, string | number> = {},
  ) {
    super(code, message, params);
    this.name = 'SimulatorError';
  }

  /** The same fault, with the call as it stood when it happened. */
  withCall(call: SimulatedCall): SimulatorError {
    return new SimulatorError(this.code, this.message, call, this.params);
  }
}
