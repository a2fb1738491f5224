import Stripe from 'stripe';
import { isStripeError, loadStripe, stripeErrorType } from './stripe.module';

describe('stripeErrorType', () => {
  it.each([
    ['StripeCardError', new Stripe.errors.StripeCardError({ message: 'declined' })],
    ['StripeInvalidRequestError', new Stripe.errors.StripeInvalidRequestError({ message: 'no such price' })],
    ['StripeConnectionError', new Stripe.errors.StripeConnectionError({ message: 'ECONNREFUSED' })],
    ['StripeRateLimitError', new Stripe.errors.StripeRateLimitError({ message: 'slow down' })],
    ['StripeAPIError', new Stripe.errors.StripeAPIError({ message: 'boom' })],
    ['StripeSignatureVerificationError', new Stripe.errors.StripeSignatureVerificationError('header', 'payload', { message: 'bad' })],
  ])('names a %s without the SDK classes at hand', (type, error) => {
    expect(stripeErrorType(error)).toBe(type);
    expect(isStripeError(error)).toBe(true);
  });

  it('is null for anything that is not a Stripe error', () => {
    class StripeLookalike extends Error {
      type = 'StripeCardError';
    }
    for (const error of [new Error('x'), new TypeError('y'), new StripeLookalike('z'), { type: 'StripeCardError' }, null, 'StripeCardError']) {
      expect(stripeErrorType(error)).toBeNull();
      expect(isStripeError(error)).toBe(false);
    }
  });

  it('loads the SDK once, as the class the provider constructs', async () => {
    const first = await loadStripe();
    expect(first).toBe(Stripe);
    expect(await loadStripe()).toBe(first);
  });
});
