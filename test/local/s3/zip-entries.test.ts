import { describe, expect, it } from 'vitest';
import { ZipReadError, zipEntries } from '../../../local/s3/zip-entries.js';
import { zip } from '../../helpers/zip-archive.js';

describe('zipEntries', () => {
  it('reads stored and deflated files with their paths, in the archive’s order', () => {
    const archive = zip([
      { path: 'index.html', body: '<h1>hi</h1>', method: 0 },
      { path: 'data/items.json', body: JSON.stringify(Array.from({ length: 100 }, (_, i) => i)), method: 8 },
    ]);
    expect(zipEntries(archive).map((e) => [e.path, e.body.toString()])).toEqual([
      ['index.html', '<h1>hi</h1>'],
      ['data/items.json', JSON.stringify(Array.from({ length: 100 }, (_, i) => i))],
    ]);
  });

  it('fails with ZipReadError if the file is not a zip archive', () => {
    expect(() => zipEntries(Buffer.from('just some text, long enough to be searched'))).toThrow(ZipReadError);
  });
});
