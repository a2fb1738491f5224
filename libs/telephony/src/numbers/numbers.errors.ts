import { TeroError } from '@tero/sdk';
import type { RowProblem } from './number-csv';

/**
 * Stable codes of the number pool's and porting's errors. Each has a message in the `errors` namespace
 * of every locale (`errors:numbers.taken`), filled with its params; a spec checks it. Malformed input is
 * `validation.failed` with the fields at fault, as everywhere else; these are the rules a well-formed
 * request broke.
 */
export const NUMBER_ERRORS = {
  notFound: 'numbers.not_found',
  clientNotFound: 'numbers.client_not_found',
  taken: 'numbers.taken',
  noneAvailable: 'numbers.none_available',
  transitionRefused: 'numbers.transition_refused',
  importInvalid: 'numbers.import_invalid',
  importNotFound: 'numbers.import_not_found',
  portingNotFound: 'porting.not_found',
  portingTransitionRefused: 'porting.transition_refused',
  portingNumberManaged: 'porting.number_managed',
  portingAlreadyRequested: 'porting.already_requested',
  documentType: 'porting.document_type',
  documentTooLarge: 'porting.document_too_large',
  tooManyDocuments: 'porting.too_many_documents',
  documentNotFound: 'porting.document_not_found',
} as const;

export function numberNotFound(id: string): TeroError {
  return new TeroError(NUMBER_ERRORS.notFound, `numberId: no number ${id.slice(0, 64)} in this brand's pool`, { field: 'numberId' }, { status: 404 });
}

export function clientNotFound(clientId: string): TeroError {
  return new TeroError(NUMBER_ERRORS.clientNotFound, `clientId: no client ${clientId.slice(0, 64)} in this brand`, { field: 'clientId' }, { status: 404 });
}

/** The number is another client's (assigned or reserved), or left the state the action needs meanwhile. */
export function numberTaken(number: string, state: string): TeroError {
  return new TeroError(NUMBER_ERRORS.taken, `number ${number} is ${state} and cannot be given to this client`, { number, state }, { status: 409 });
}

export function noneAvailable(): TeroError {
  return new TeroError(NUMBER_ERRORS.noneAvailable, 'no available number matches the search', {}, { status: 409 });
}

export function transitionRefused(number: string, from: string, to: string): TeroError {
  return new TeroError(NUMBER_ERRORS.transitionRefused, `number ${number} cannot go from ${from} to ${to}`, { number, from, to }, { status: 409 });
}

/** An import refused as a whole: `problems` says which row, which field and why. Nothing was imported. */
export class ImportRefusedError extends TeroError {
  constructor(readonly problems: RowProblem[]) {
    super(
      NUMBER_ERRORS.importInvalid,
      `nothing imported: ${problems.length} problem(s), first: row ${problems[0]?.row ?? 0} ${problems[0]?.field ?? ''}: ${problems[0]?.reason ?? ''}`,
      { count: problems.length },
      { status: 400 },
    );
  }
}

export function importNotFound(): TeroError {
  return new TeroError(NUMBER_ERRORS.importNotFound, 'no such import in this brand', {}, { status: 404 });
}

export function portingNotFound(): TeroError {
  return new TeroError(NUMBER_ERRORS.portingNotFound, 'no such porting request', {}, { status: 404 });
}

export function portingTransitionRefused(from: string, to: string): TeroError {
  return new TeroError(NUMBER_ERRORS.portingTransitionRefused, `a porting request that is ${from} cannot become ${to}`, { from, to }, { status: 409 });
}

export function portingNumberManaged(number: string): TeroError {
  return new TeroError(NUMBER_ERRORS.portingNumberManaged, `number: ${number} is already managed on this instance; it cannot be ported in`, { field: 'number', number }, { status: 409 });
}

export function portingAlreadyRequested(number: string): TeroError {
  return new TeroError(NUMBER_ERRORS.portingAlreadyRequested, `number: a porting request for ${number} is already open`, { field: 'number', number }, { status: 409 });
}

export function documentType(fileName: string): TeroError {
  return new TeroError(NUMBER_ERRORS.documentType, `documents: ${fileName} is not a PDF, PNG or JPEG file (its content says otherwise)`, { field: 'documents', fileName }, { status: 400 });
}

export function documentTooLarge(fileName: string, maxMb: number): TeroError {
  return new TeroError(NUMBER_ERRORS.documentTooLarge, `documents: ${fileName} is larger than ${maxMb} MB`, { field: 'documents', fileName, maxMb }, { status: 400 });
}

export function tooManyDocuments(max: number): TeroError {
  return new TeroError(NUMBER_ERRORS.tooManyDocuments, `documents: at most ${max} documents per request`, { field: 'documents', max }, { status: 400 });
}

export function documentNotFound(): TeroError {
  return new TeroError(NUMBER_ERRORS.documentNotFound, 'no such document', {}, { status: 404 });
}
