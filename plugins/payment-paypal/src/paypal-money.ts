import { PAYMENT_ERRORS, TeroError } from '@tero/sdk';

/**
 * ISO 4217 currencies whose minor unit is not the cent. Our amounts are integers of the ISO minor unit
 * (`amountMinor`); PayPal takes and gives decimal strings (`"499.00"`, `"500"` for yen).
 */
const ZERO_DECIMAL = new Set(['BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF']);
const THREE_DECIMAL = new Set(['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND']);

/**
 * Currencies PayPal only takes in whole units although ISO gives them cents (HUF, TWD), or has none
 * (JPY). PayPal refuses `"499.50"` HUF; we refuse it first, with a message that says why.
 */
const PAYPAL_WHOLE_UNITS = new Set(['HUF', 'JPY', 'TWD']);

/** Digits after the decimal point of a currency's ISO minor unit. */
export function currencyExponent(currency: string): number {
  const code = currency.toUpperCase();
  if (ZERO_DECIMAL.has(code)) return 0;
  if (THREE_DECIMAL.has(code)) return 3;
  return 2;
}

function rejected(message: string, params: Record<string, string | number>): TeroError {
  return new TeroError(PAYMENT_ERRORS.rejected, message, params, { status: 422 });
}

/**
 * Minor units → PayPal's decimal string: `49900` USD → `"499.00"`, `500` JPY → `"500"`, `49900` HUF →
 * `"499"`. Throws `payment.rejected` for an amount that is not a non-negative integer or that PayPal
 * cannot take in that currency (a fraction of a forint).
 */
export function toPayPalValue(amountMinor: number, currency: string): string {
  const code = currency.toUpperCase();
  if (!/^[A-Z]{3}$/.test(code)) throw rejected(`currency "${currency}" is not an ISO 4217 code`, { currency });
  if (!Number.isSafeInteger(amountMinor) || amountMinor < 0) {
    throw rejected(`amount ${amountMinor} is not a whole number of minor units`, { amountMinor, currency: code });
  }
  const exponent = currencyExponent(code);
  const digits = String(amountMinor).padStart(exponent + 1, '0');
  const whole = exponent === 0 ? digits : digits.slice(0, -exponent);
  const fraction = exponent === 0 ? '' : digits.slice(-exponent);
  if (PAYPAL_WHOLE_UNITS.has(code)) {
    if (/[^0]/.test(fraction)) {
      throw rejected(`PayPal charges ${code} in whole units only: ${whole}.${fraction} ${code} cannot be charged`, { amountMinor, currency: code });
    }
    return whole;
  }
  return exponent === 0 ? whole : `${whole}.${fraction}`;
}

/**
 * PayPal's decimal string → minor units: `"14.97"` USD → `1497`, `"500"` JPY → `500`, `"499"` HUF →
 * `49900`, `"-0.01"` → `-1`. Digits beyond the currency's minor unit (old eCheck payloads carry
 * `"822.0160"`) are rounded half away from zero. Throws for a string that is not a decimal number.
 */
export function fromPayPalValue(value: string, currency: string): number {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(String(value).trim());
  if (!match) throw new TeroError(PAYMENT_ERRORS.rejected, `PayPal amount "${value}" is not a decimal number`, { value: String(value), currency });
  const [, sign, whole, fraction = ''] = match;
  const exponent = currencyExponent(currency);
  const kept = fraction.slice(0, exponent).padEnd(exponent, '0');
  let minor = Number(`${whole}${kept}`);
  if (fraction.length > exponent && Number(fraction[exponent]) >= 5) minor += 1;
  if (!Number.isSafeInteger(minor)) throw new TeroError(PAYMENT_ERRORS.rejected, `PayPal amount "${value}" is too large`, { value, currency });
  return sign === '-' && minor !== 0 ? -minor : minor;
}
