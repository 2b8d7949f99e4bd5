import type { ApiModel, Shape } from '../endpoint/validation/model.js';
import { seededRandom } from '../random/seeded-random.js';

/**
 * A value of a model's shape that the shape accepts (its required members, its lengths,
 * ranges and enums), drawn from `seed` so that one input always gets the same answer: what
 * a simulated leaf service answers for an operation it has no answer of its own for.
 * Optional members are left out; a list holds its minimum number of items, else one.
 */
export function shapeExample(model: ApiModel, shapeName: string, seed: number): unknown {
  const random = seededRandom(seed);
  return example(model, shapeName, random, 0);
}

/** Deeper than any output an AWS API nests: a recursive shape (a block's relationships) stops here. */
const MAX_DEPTH = 12;

function example(model: ApiModel, name: string, random: () => number, depth: number): unknown {
  const shape = model.shapes[name];
  if (shape === undefined) throw new Error(`shape ${name} is missing from the model`);
  switch (shape.type) {
    case 'structure': {
      const out: Record<string, unknown> = {};
      if (depth >= MAX_DEPTH) return out;
      for (const member of shape.required ?? []) {
        const ref = shape.members?.[member];
        if (ref !== undefined) out[member] = example(model, ref.shape, random, depth + 1);
      }
      return out;
    }
    case 'list': {
      const count = depth >= MAX_DEPTH ? 0 : Math.max(shape.min ?? 0, 1);
      return Array.from({ length: count }, () => example(model, shape.member?.shape as string, random, depth + 1));
    }
    case 'map':
      return {};
    case 'string':
      return stringExample(shape, random);
    case 'integer':
    case 'long':
      return Math.round(bounded(shape, random, 100));
    case 'float':
    case 'double':
      return Math.round(bounded(shape, random, 100) * 1000) / 1000;
    case 'boolean':
      return random() < 0.5;
    case 'timestamp':
      return 0;
    case 'blob':
      return '';
  }
}

function bounded(shape: Shape, random: () => number, span: number): number {
  const min = shape.min ?? 0;
  const max = shape.max ?? min + span;
  return min + random() * (max - min);
}

function stringExample(shape: Shape, random: () => number): string {
  if (shape.enum !== undefined && shape.enum.length > 0) return shape.enum[Math.floor(random() * shape.enum.length)] as string;
  const min = shape.min ?? 1;
  const text = `simulated-${Math.floor(random() * 0xffffff)
    .toString(16)
    .padStart(6, '0')}`;
  const sized = text.length >= min ? text : text.padEnd(min, 'x');
  return shape.max !== undefined && sized.length > shape.max ? sized.slice(0, shape.max) : sized;
}
