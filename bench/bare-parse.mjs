// The baseline: a bare csv-parse pass over a file, columns on, counting rows.
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';

let rows = 0;
const parser = createReadStream(process.argv[2]).pipe(parse({ columns: true }));
for await (const _record of parser) rows++;
console.log(rows);
