import { taxOf } from '../settings/brand-billing-settings';
import { formatInvoiceNumber, invoiceTotals, splitGross } from './invoice-amounts';

describe('splitGross', () => {
  it.each([0, 500, 825, 1000, 2000, 2100, 5000])('at %i bps, net + tax is every gross amount exactly, with the brand’s tax on the net or one cent more', (bps) => {
    let unreachable = 0;
    const wrong: string[] = [];
    for (let gross = 0; gross <= 20_000; gross++) {
      const { netMinor, taxMinor } = splitGross(gross, bps);
      const exact = taxOf(netMinor, bps);
      if (netMinor + taxMinor !== gross || netMinor < 0) wrong.push(`${gross}: ${netMinor} + ${taxMinor}`);
      if (taxMinor !== exact) {
        unreachable++;
        // Only when no net reaches this gross exactly, and then by one cent.
        if (taxMinor !== exact + 1 || netMinor + 1 + taxOf(netMinor + 1, bps) <= gross) wrong.push(`${gross}: ${netMinor} + ${taxMinor} (tax ${exact})`);
      }
    }
    expect(wrong).toEqual([]);
    if (bps === 0) expect(unreachable).toBe(0);
  });

  it('splits the roadmap prices back into the plan’s net price', () => {
    expect(splitGross(49900 + taxOf(49900, 825), 825)).toEqual({ netMinor: 49900, taxMinor: taxOf(49900, 825) });
    expect(splitGross(29900 + 5980, 2000)).toEqual({ netMinor: 29900, taxMinor: 5980 });
  });

  it('refuses fractions of a minor unit', () => {
    expect(() => splitGross(10.5, 825)).toThrow(expect.objectContaining({ code: 'validation.failed' }));
  });
});

describe('invoice totals and numbers', () => {
  it('adds the lines, then the tax on the subtotal (or the tax given)', () => {
    const lines = [
      { kind: 'plan' as const, description: 'Growth', quantity: 1, unitMinor: 49900, amountMinor: 49900 },
      { kind: 'proration' as const, description: 'Change', quantity: 1, unitMinor: -10000, amountMinor: -10000 },
    ];
    expect(invoiceTotals(lines, 825)).toEqual({ subtotalMinor: 39900, taxMinor: 3292, totalMinor: 43192 });
    expect(invoiceTotals(lines, 825, 3293)).toEqual({ subtotalMinor: 39900, taxMinor: 3293, totalMinor: 43193 });
  });

  it('prints the prefix, the year and six digits', () => {
    expect(formatInvoiceNumber('INV', 2026, 42)).toBe('INV-2026-000042');
    expect(formatInvoiceNumber('BSD', 2027, 1_234_567)).toBe('BSD-2027-1234567');
  });
});
