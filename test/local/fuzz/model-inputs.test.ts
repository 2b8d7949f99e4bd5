import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SERVED_OPERATIONS } from '../../../local/endpoint/aws-models/refresh-models.js';
import { type ApiModel, loadModel, type ModelService } from '../../../local/endpoint/validation/model.js';
import { generablePattern, patternTexts, validValue } from './model-inputs.js';

/** A model of one operation whose input has one string member of the given shape. */
function modelWith(shape: { pattern: string; min?: number; max?: number }): ApiModel {
  return {
    botocoreVersion: 'test',
    metadata: { apiVersion: '2020-01-01', protocol: 'json' },
    operations: { Do: { input: 'DoInput', http: { method: 'POST', requestUri: '/' } } },
    shapes: {
      DoInput: { type: 'structure', required: ['Value'], members: { Value: { shape: 'Text' } } },
      Text: { type: 'string', ...shape },
    },
  };
}

describe('the fuzzers’ model-driven inputs', () => {
  it('generates texts for every patterned string shape of every served model', () => {
    for (const service of Object.keys(SERVED_OPERATIONS) as ModelService[]) {
      const model = loadModel(service);
      for (const [name, shape] of Object.entries(model.shapes)) {
        if (shape.type !== 'string' || shape.pattern === undefined) continue;
        // A shape whose limits no text of its pattern meets throws, naming it (it never loops).
        expect(fc.sample(validValue(model, name), { seed: 1, numRuns: 20 }), `${service} ${name}`).toHaveLength(20);
      }
    }
  });

  it('generates texts of a pattern whose shortest text is longer than most of the model’s other limits', () => {
    // SES v2's ArchiveArn: 66 characters at the least, up to 1011 allowed.
    const model = modelWith({ pattern: 'arn:aws:ses:[a-z]{2,4}-[a-z]+-[0-9]:[0-9]{12}:archive/a-[a-z0-9]{24,62}', min: 20, max: 1011 });
    for (const value of fc.sample(validValue(model, 'Text'), { seed: 1, numRuns: 20 })) {
      expect(value).toMatch(/^arn:aws:ses:.*:archive\/a-[a-z0-9]{24,62}$/);
    }
  });

  it('fails if no text of a shape’s pattern fits its length limits, instead of looping forever', () => {
    const model = modelWith({ pattern: 'a{10}', max: 5 });
    expect(() => fc.sample(validValue(model, 'Text'), { seed: 1, numRuns: 1 })).toThrow(
      /shape Text: no text of \/a\{10\}\/ of 0 to 5 characters/,
    );
  });

  it('builds the texts of a pattern once, however often the fuzzers ask for it', () => {
    const pattern = '[a-z]{1,3}-\\p{L}+';
    expect(patternTexts(pattern)).toBeDefined();
    expect(patternTexts(pattern)).toBe(patternTexts(pattern));
  });

  it('generates the texts of a class of a property and its complement as any text, which the pattern matches', () => {
    expect(generablePattern('[\\P{M}\\p{M}]{0,20}')).toBe('[\\s\\S]{0,20}');
    expect(generablePattern('a[\\p{L}\\P{L}]+b')).toBe('a[\\s\\S]+b');
    // A class of one property twice, or of two, is left as it is.
    expect(generablePattern('[\\p{L}\\p{L}]')).toBe('[\\p{L}\\p{L}]');
    expect(generablePattern('[\\P{M}\\p{L}]')).toBe('[\\P{M}\\p{L}]');
    const original = /^(?:[\P{M}\p{M}]{0,20})$/u;
    for (const text of fc.sample(validValue(modelWith({ pattern: '[\\P{M}\\p{M}]{0,20}', max: 20 }), 'Text'), { seed: 1, numRuns: 50 })) {
      expect(text).toMatch(original);
    }
  });
});
