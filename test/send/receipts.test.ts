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
    expect(withEarlierReceipts({ invoiceId: 'INV-2', creditNotes: undefined }, { status: 'revoked', invoiceId: 'INV-1', creditNotes: 'CN-1' })).toEqual({ invoiceId: 'INV-1; INV-2', creditNotes: 'CN-1', invitedAt: undefined });
    expect(withEarlierReceipts({ invoiceId: 'INV-2', creditNotes: undefined }, undefined)).toEqual({ invoiceId: 'INV-2', creditNotes: undefined });
  });

  test('when this tool last invited the person is kept: from invited_at, or an invited row of an older file', () => {
    const at = '2026-11-27T01:15:00.000Z';
    expect(withEarlierReceipts<{ invitedAt?: string | undefined }>({}, { status: 'updated', invitedAt: at }).invitedAt).toBe(at);
    expect(withEarlierReceipts<{ invitedAt?: string | undefined }>({}, { status: 'invited', finishedAt: at }).invitedAt).toBe(at);
    expect(withEarlierReceipts<{ invitedAt?: string | undefined }>({}, { status: 'updated', finishedAt: at }).invitedAt).toBeUndefined();
    expect(withEarlierReceipts({ invitedAt: 'later' }, { status: 'invited', invitedAt: at }).invitedAt).toBe('later');
  });
});
