import { describe, expect, it } from 'vitest';
import { fromTraceparent, fromXRayHeader, toTraceparent, toXRayHeader } from '../../../../lambdas/kit/tracing/trace-context.js';

const HEADER = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';

describe('fromXRayHeader', () => {
  it('reads the trace id as the root without its dashes, and the parent as the span id', () => {
    expect(fromXRayHeader(HEADER)).toEqual({ traceId: '5759e988bd862e3fe1be46a994272793', spanId: '53995c3f42cd8ad8', sampled: true });
  });

  it('reads fields in any order, with Lineage and spaces, and Sampled=0 or none as not sampled', () => {
    expect(
      fromXRayHeader('Parent=53995c3f42cd8ad8; Lineage=a87bd80c:1|68fd508a:5 ;Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0'),
    ).toEqual({
      traceId: '5759e988bd862e3fe1be46a994272793',
      spanId: '53995c3f42cd8ad8',
      sampled: false,
    });
    expect(fromXRayHeader('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8')?.sampled).toBe(false);
  });

  it('fails if the header has no parent, a malformed root or parent, or is not a header at all, as X-Ray ignores it', () => {
    for (const bad of [
      'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1',
      'Root=1-5759e98-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8',
      'Root=2-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8',
      'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995C3F42CD8AD8',
      'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=0000000000000000',
      'garbage',
      '',
      undefined,
      `${HEADER};${'x'.repeat(600)}`,
    ]) {
      expect(fromXRayHeader(bad), String(bad)).toBeUndefined();
    }
  });
});

describe('toXRayHeader', () => {
  it('writes back what fromXRayHeader reads', () => {
    const context = { traceId: '5759e988bd862e3fe1be46a994272793', spanId: '0123456789abcdef', sampled: true };
    expect(toXRayHeader(context)).toBe('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=0123456789abcdef;Sampled=1');
    expect(fromXRayHeader(toXRayHeader(context))).toEqual(context);
    expect(toXRayHeader({ ...context, sampled: false })).toMatch(/;Sampled=0$/);
  });
});

describe('fromTraceparent', () => {
  it('reads version 00 with its sampled flag', () => {
    expect(fromTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      sampled: true,
    });
    expect(fromTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00')?.sampled).toBe(false);
  });

  it('reads a later version by its first four fields, as the specification asks', () => {
    expect(fromTraceparent('cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09-what-comes-next')?.sampled).toBe(true);
  });

  it('fails if the version is ff, an id is all zeros, version 00 has more fields, or a field is malformed', () => {
    for (const bad of [
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01',
      undefined,
    ]) {
      expect(fromTraceparent(bad), String(bad)).toBeUndefined();
    }
  });

  it('writes back what it reads', () => {
    const text = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const context = fromTraceparent(text);
    expect(context && toTraceparent(context)).toBe(text);
  });
});
