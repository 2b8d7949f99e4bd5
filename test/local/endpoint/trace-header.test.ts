import { describe, expect, it } from 'vitest';
import { parseTraceHeader } from '../../../local/endpoint/trace-header.js';

const ROOT = '1-5759e988-bd862e3fe1be46a994272793';

describe('parseTraceHeader', () => {
  it('reads the root, the parent and the sampling decision', () => {
    expect(parseTraceHeader(`Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=1`)).toEqual({
      root: ROOT,
      parent: '53995c3f42cd8ad8',
      sampled: '1',
    });
  });

  it('trims names and values, and reads fields in any order beside ones it does not know', () => {
    expect(parseTraceHeader(` Lineage=a:1 ; Sampled= ; Root = ${ROOT} ;`)).toEqual({ root: ROOT, sampled: '' });
  });

  it('takes the last of a field given twice', () => {
    expect(parseTraceHeader(`Root=bad;Root=${ROOT};Parent=53995c3f42cd8ad8;Parent=0000000000000001`)).toEqual({
      root: ROOT,
      parent: '0000000000000001',
    });
    expect(parseTraceHeader(`Root=${ROOT};Root=bad`)).toBeUndefined();
  });

  it('drops a parent that is not a segment id, and a header without a valid root', () => {
    expect(parseTraceHeader(`Root=${ROOT};Parent=zz`)).toEqual({ root: ROOT });
    expect(parseTraceHeader('Parent=53995c3f42cd8ad8')).toBeUndefined();
    expect(parseTraceHeader(`=x;Root;${'Root'}`)).toBeUndefined();
    expect(parseTraceHeader('')).toBeUndefined();
    expect(parseTraceHeader(`Root=${ROOT};${'x'.repeat(512)}`)).toBeUndefined();
  });
});
