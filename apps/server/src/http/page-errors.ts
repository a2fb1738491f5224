import { TeroError } from '@tero/sdk';

/** A form whose CSRF token is missing or does not match the browser's cookie. */
export class CsrfError extends TeroError {
  constructor() {
    super('auth.csrf', 'CSRF token missing or wrong', {}, { status: 403 });
  }
}

/** A signed-in user on a page their role or host does not open. */
export class ForbiddenError extends TeroError {
  constructor() {
    super('auth.forbidden', 'you do not have access to this page', {}, { status: 403 });
  }
}
