const formats = new Map<string, Intl.NumberFormat>();

function currencyFormat(locale: string, currency: string): Intl.NumberFormat {
  const key = `${locale}|${currency}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, { style: 'currency', currency });
    if (formats.size > 500) formats.clear();
    formats.set(key, format);
  }
  return format;
}

/** Digits after the decimal point of a currency's minor unit: 2 for USD and EUR, 0 for JPY. */
export function minorDigits(currency: string): number {
  return currencyFormat('en', currency).resolvedOptions().maximumFractionDigits ?? 2;
}

/**
 * An amount in minor units as the reader writes money: `$1,234.50`, `1234,50 US$`, `1 234,50 €`. The
 * narrow and ordinary no-break spaces some locales put in are plain spaces here, since the PDF's standard
 * fonts cannot draw the narrow one and e-mail clients wrap either way.
 */
export function formatMoney(amountMinor: number, currency: string, locale: string): string {
  const value = amountMinor / 10 ** minorDigits(currency);
  return currencyFormat(locale, currency).format(value).replace(/[\u00a0\u202f]/g, ' ');
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** A date as the reader writes it (`Mar 3, 2026`, `3 mar 2026`, `3 mars 2026`), in the given time zone. */
export function formatDay(instant: Date, locale: string, timeZone: string): string {
  const key = `${locale}|${timeZone}`;
  let format = dateFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone });
    if (dateFormats.size > 500) dateFormats.clear();
    dateFormats.set(key, format);
  }
  return format.format(instant).replace(/[\u00a0\u202f]/g, ' ');
}

/** A rate in basis points as a percentage: 825 → `8.25 %` (`8,25 %` in French). */
export function formatRate(bps: number, locale: string): string {
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(bps / 100)} %`;
}
