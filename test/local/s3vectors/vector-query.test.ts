import { describe, expect, it } from 'vitest';
import { compileFilter, distanceOf, nearest } from '../../../local/s3vectors/vector-query.js';

const movie = { genre: ['drama', 'crime'], year: 2020, title: 'Heat', rated: true };

describe('compileFilter', () => {
  it.each([
    [{ genre: 'crime' }, true],
    [{ genre: { $eq: 'comedy' } }, false],
    [{ genre: { $ne: 'comedy' } }, true],
    [{ title: { $ne: 'Heat' } }, false],
    [{ year: { $gt: 2020 } }, false],
    [{ year: { $gte: 2020 } }, true],
    [{ year: { $lt: 2021 } }, true],
    [{ year: { $lte: 2019 } }, false],
    [{ title: { $gt: 1 } }, false],
    [{ genre: { $in: ['comedy', 'crime'] } }, true],
    [{ year: { $nin: [2019, 2020] } }, false],
    [{ rated: true, year: 2020 }, true],
    [{ rated: true, year: 2021 }, false],
    [{ budget: { $exists: false } }, true],
    [{ title: { $exists: false } }, false],
    [{ $or: [{ year: 1999 }, { $and: [{ rated: true }, { genre: 'drama' }] }] }, true],
  ])('answers %j with %s', (filter, expected) => {
    expect(compileFilter(filter)(movie)).toBe(expected);
  });

  it.each([
    [{ genre: { $regex: 'dr' } }],
    [{ $not: [{ genre: 'drama' }] }],
    [{ year: { $gt: '2000' } }],
    [{ genre: { $in: [] } }],
    [{ $and: [] }],
    [{ year: { $gt: 1, $lt: 3 } }],
    [{}],
  ])('refuses %j with ValidationException', (filter) => {
    expect(() => compileFilter(filter)).toThrow(expect.objectContaining({ code: 'ValidationException' }));
  });
});

describe('nearest', () => {
  const vectors = [
    { key: 'far', data: new Float32Array([0, 1]) },
    { key: 'near', data: new Float32Array([1, 0.1]), metadata: { secret: 'x' } },
    { key: 'twin', data: new Float32Array([1, 0.1]) },
  ];

  it('answers the closest first, ties by key, no more than topK', () => {
    const found = nearest(vectors, { data: [1, 0], metric: 'cosine', topK: 2 }, { nonFilterable: [] });
    expect(found.map((n) => n.vector.key)).toEqual(['near', 'twin']);
  });

  it('hides the non-filterable keys from the filter', () => {
    const query = { data: [1, 0], metric: 'euclidean', topK: 3 };
    expect(nearest(vectors, query, { filter: { secret: 'x' }, nonFilterable: [] }).map((n) => n.vector.key)).toEqual(['near']);
    expect(nearest(vectors, query, { filter: { secret: 'x' }, nonFilterable: ['secret'] })).toEqual([]);
  });
});

describe('distanceOf', () => {
  it('is cosine distance (1 - similarity) or Euclidean distance', () => {
    expect(distanceOf('cosine', [1, 0], [0, 1])).toBeCloseTo(1);
    expect(distanceOf('cosine', [1, 1], [2, 2])).toBeCloseTo(0);
    expect(distanceOf('euclidean', [0, 0], [3, 4])).toBe(5);
  });
});
