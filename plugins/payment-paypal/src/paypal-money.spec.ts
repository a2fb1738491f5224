import { PAYMENT_ERRORS, TeroError } from '@tero/sdk';
import { currencyExponent, fromPayPalValue, toPayPalValue } from './paypal-money';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof TeroError ? error.code : 'not a TeroError';
  }
  return undefined;
}

describe('PayPal money', () => {
  it('knows the ISO minor unit of cents, yen-like and three-decimal currencies', () => {
    expect(currencyExponent('usd')).toBe(2);
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('KRW')).toBe(0);
    expect(currencyExponent('KWD')).toBe(3);
  });

  it.each([
    [49900, 'USD', '499.00'],
    [1234, 'eur', '12.34'],
    [5, 'USD', '0.05'],
    [0, 'USD', '0.00'],
    [500, 'JPY', '500'],
    [49900, 'HUF', '499'],
    [100000, 'TWD', '1000'],
    [1500, 'KWD', '1.500'],
  ])('writes %i %s as PayPal decimal "%s"', (minor, currency, value) => {
    expect(toPayPalValue(minor, currency)).toBe(value);
  });

  it('refuses what PayPal cannot charge, with payment.rejected', () => {
    expect(codeOf(() => toPayPalValue(49950, 'HUF'))).toBe(PAYMENT_ERRORS.rejected);
    expect(codeOf(() => toPayPalValue(12.5, 'USD'))).toBe(PAYMENT_ERRORS.rejected);
    expect(codeOf(() => toPayPalValue(-100, 'USD'))).toBe(PAYMENT_ERRORS.rejected);
    expect(codeOf(() => toPayPalValue(100, 'US'))).toBe(PAYMENT_ERRORS.rejected);
    expect(() => toPayPalValue(49950, 'HUF')).toThrow(/whole units/);
  });

  it.each([
    ['499.00', 'USD', 49900],
    ['14.97', 'EUR', 1497],
    ['21.6', 'EUR', 2160],
    ['20', 'USD', 2000],
    ['500', 'JPY', 500],
    ['499', 'HUF', 49900],
    ['-0.01', 'USD', -1],
    ['822.0160', 'CZK', 82202],
    ['822.0140', 'CZK', 82201],
    ['1.500', 'KWD', 1500],
  ])('reads PayPal decimal "%s" %s as %i minor units', (value, currency, minor) => {
    expect(fromPayPalValue(value, currency)).toBe(minor);
  });

  it('round-trips every cent amount', () => {
    for (const minor of [1, 9, 10, 99, 100, 101, 4990, 123456789]) expect(fromPayPalValue(toPayPalValue(minor, 'USD'), 'USD')).toBe(minor);
  });

  it('refuses a value that is not a decimal number', () => {
    expect(codeOf(() => fromPayPalValue('12,34', 'EUR'))).toBe(PAYMENT_ERRORS.rejected);
    expect(codeOf(() => fromPayPalValue('1e3', 'USD'))).toBe(PAYMENT_ERRORS.rejected);
    expect(codeOf(() => fromPayPalValue('', 'USD'))).toBe(PAYMENT_ERRORS.rejected);
  });
});
