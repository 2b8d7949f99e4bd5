import type { ApiModel, MemberRef, Shape } from '../validation/model.js';

/**
 * What the query protocol needs of an API that botocore now models in JSON only (SQS, whose
 * model lost its query traits when it moved to JSON in botocore 1.31.81, while SQS still
 * answers the query protocol that AWS CLIs and older SDKs speak): its XML namespace, the
 * names its members travel under, and how its maps name their entries. Every list and map of
 * such an edition is flattened (`Name.N`), and every output is wrapped in `<ActionResult>`.
 */
export interface QueryEdition {
  readonly xmlNamespace: string;
  /** The query name of a member, by `Shape.Member` or by `Member` alone (the qualified name first); a member not named keeps its own. */
  readonly names: Readonly<Record<string, string>>;
  /** The names of a map entry's key and value, by map shape, and `*` for the others. */
  readonly entries: Readonly<Record<string, readonly [key: string, value: string]>> & { readonly '*': readonly [string, string] };
}

/** The model as its query edition describes it, for a ModelQueryProtocol. */
export function queryEdition(model: ApiModel, edition: QueryEdition): ApiModel {
  const shapes = Object.fromEntries(
    Object.entries(model.shapes).map(([name, shape]) => [name, editedShape(name, shape, edition)] as const),
  ) as Record<string, Shape>;
  const operations = Object.fromEntries(
    Object.entries(model.operations).map(([name, operation]) => [
      name,
      operation.output === undefined ? operation : { ...operation, resultWrapper: `${name}Result` },
    ]),
  );
  return { ...model, metadata: { ...model.metadata, protocol: 'query', xmlNamespace: edition.xmlNamespace }, operations, shapes };
}

function editedShape(name: string, shape: Shape, edition: QueryEdition): Shape {
  if (shape.type === 'list') return { ...shape, flattened: true };
  if (shape.type === 'map') {
    const [key, value] = edition.entries[name] ?? edition.entries['*'];
    return {
      ...shape,
      flattened: true,
      key: { ...(shape.key as MemberRef), locationName: key },
      value: { ...(shape.value as MemberRef), locationName: value },
    };
  }
  if (shape.type !== 'structure' || shape.members === undefined) return shape;
  const members = Object.fromEntries(
    Object.entries(shape.members).map(([member, ref]) => {
      const queryName = edition.names[`${name}.${member}`] ?? (Object.hasOwn(edition.names, member) ? edition.names[member] : undefined);
      return [member, queryName === undefined ? ref : { ...ref, locationName: queryName }] as const;
    }),
  );
  return { ...shape, members };
}
