import { describe, expect, it } from 'vitest';
import { itemsOf, javaHashOrder } from '../../../local/states/engine/item-formats.js';

describe('item-formats', () => {
  it('orders keys as a Java HashMap iterates them, as AWS writes a CSV row', () => {
    // AWS's recorded rows (test_map_item_reader_csv_headers_first_row_typed_headers, ..._first_row_extra_fields).
    expect(javaHashOrder(['0', 'True', '{}'])).toEqual(['0', '{}', 'True']);
    expect(javaHashOrder(['H1', ''])).toEqual(['', 'H1']);
    expect(javaHashOrder(['Col1', 'Col2', 'Col3'])).toEqual(['Col1', 'Col2', 'Col3']);
  });

  it('reads a CSV row with its keys in that order and drops the fields past the headers', () => {
    const config = { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' };
    const [row] = itemsOf('0,True,{}\na,b,c,d\n', config, 's3://b/k') as Record<string, string>[];
    expect(Object.entries(row ?? {})).toEqual([
      ['0', 'a'],
      ['{}', 'c'],
      ['True', 'b'],
    ]);
  });

  it('fails with AWS cause if the CSV headers repeat a name', () => {
    const config = { InputType: 'CSV', CSVHeaderLocation: 'GIVEN', CSVHeaders: ['H1', 'H1'] };
    expect(() => itemsOf('a,b\n', config, 's3://b/k')).toThrow('CSV headers cannot contain duplicates.');
  });

  it('fails with AWS cause if a JSON object is not an array', () => {
    expect(() => itemsOf('{"Hello":"world"}', { InputType: 'JSON' }, 's3://b/k')).toThrow('Attempting to map over non-iterable node.');
  });
});
