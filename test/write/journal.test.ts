/** The journal beside the results file: what a later run reads of the requests left without an answer. */
import { afterAll, describe, expect, test } from '@jest/globals';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Journal, readJournal, settleJournal } from '../../src/write/journal.js';
import { cleanTempDirs, tempDir } from '../helpers/files.js';

afterAll(cleanTempDirs);

describe('Journal', () => {
  test('remembers the last request per email, carried or written this run; what is settled is read back', () => {
    const path = join(tempDir(), 'r.csv.journal');
    const journal = new Journal(path, [{ email: 'ann@x.co', action: 'invite', line: 2, at: 1000 }]);
    expect(journal.last('ANN@x.co')?.at).toBe(1000);
    journal.intent({ email: 'ann@x.co', action: 'invite', line: 2, at: 5000 });
    journal.intent({ email: 'bob@x.co', action: 'revoke', line: 3, at: 6000 });
    journal.close();
    expect(journal.last('ann@x.co')?.at).toBe(5000);
    expect(readJournal(path).get('ann@x.co')?.at).toBe(5000); // the last line for an email wins
    settleJournal(path, [journal.last('ann@x.co')!]);
    expect([...readJournal(path).values()]).toEqual([{ email: 'ann@x.co', action: 'invite', line: 2, at: 5000 }]);
  });

  test('a new journal replaces the old one whole, with the entries it carries (never a truncated file)', () => {
    const path = join(tempDir(), 'r.csv.journal');
    new Journal(path, [{ email: 'a@x.co', action: 'invite', line: 2, at: 1 }, { email: 'b@x.co', action: 'invite', line: 3, at: 2 }]).close();
    new Journal(path, [{ email: 'b@x.co', action: 'invite', line: 3, at: 2 }]).close();
    expect([...readJournal(path).keys()]).toEqual(['b@x.co']);
    expect(readdirSync(dirname(path))).toEqual(['r.csv.journal']);
  });
});
