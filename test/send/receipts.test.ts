/** A person's receipts (invoices, credit notes) across the actions a results file has seen. */
import { describe, expect, test } from '@jest/globals';
import { joinReceipts, withEarlierReceipts } from '../../src/send/receipts.js';

describe('receipts', () => {
  test('earlier ones first, each once, joined with "; "; none is undefined', () => {
    expect(joinReceipts('INV-1', 'INV-2')).toBe('INV-1; INV-2');
    expect(joinReceipts('INV-1; CN-1', ' CN-1 ; INV-3')).toBe('INV-1; CN-1; INV-3');
    expect(joinReceipts(undefined, 'INV-2')).toBe('INV-2');
    expect(joinReceipts('', undefined)).toBeUndefined();
  });

  test("a row gains an earlier row's receipts before its own", () => {
    expect(withEarlierReceipts({ invoiceId: 'INV-2', creditNotes: undefined }, { invoiceId: 'INV-1', creditNotes: 'CN-1' })).toEqual({ invoiceId: 'INV-1; INV-2', creditNotes: 'CN-1' });
    expect(withEarlierReceipts({ invoiceId: 'INV-2', creditNotes: undefined }, undefined)).toEqual({ invoiceId: 'INV-2', creditNotes: undefined });
  });
});
