import { describe, expect, it } from 'vitest';
import { checkValue } from '../../../local/dynamodb/engine/values.js';

describe('checkValue', () => {
  it('reads the one member set, whatever null members come beside it, with its number canonical', () => {
    expect(checkValue({ S: null, N: '01.50', BOOL: undefined })).toEqual({ N: '1.5' });
    expect(checkValue({ M: { a: { NULL: true, S: null } } })).toEqual({ M: { a: { NULL: true } } });
  });

  it('fails if no member is set', () => {
    expect(() => checkValue({ S: null })).toThrow('Supplied AttributeValue is empty, must contain exactly one of the supported datatypes');
  });

  it('fails if more than one member is set', () => {
    expect(() => checkValue({ S: 'a', N: '1' })).toThrow(
      'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes',
    );
  });
});
