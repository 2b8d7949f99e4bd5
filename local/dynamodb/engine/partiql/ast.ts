/** The syntax trees of DynamoDB's PartiQL statements, before parameters and the table are known. */

/** A document path: an attribute, then map members and list elements (`a.b[2]."c d"`). */
export interface PathNode {
  readonly kind: 'path';
  readonly steps: readonly (string | number)[];
}

/** A value written in the statement, or a `?` (its index among the statement's parameters). */
export type ValueNode =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly value: string }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'null' }
  | { readonly kind: 'parameter'; readonly index: number }
  | { readonly kind: 'list'; readonly items: readonly ValueNode[] }
  | { readonly kind: 'tuple'; readonly entries: readonly (readonly [string, ValueNode])[] }
  | { readonly kind: 'bag'; readonly items: readonly ValueNode[] };

export const VALUE_KINDS = new Set(['string', 'number', 'boolean', 'null', 'parameter', 'list', 'tuple', 'bag']);

/** A function call (`size(a)`, and in SET `list_append`, `set_add`, `set_delete`). */
export interface CallNode {
  readonly kind: 'call';
  readonly name: string;
  readonly args: readonly OperandNode[];
}

export interface ArithmeticNode {
  readonly kind: 'arithmetic';
  readonly operator: '+' | '-';
  readonly left: OperandNode;
  readonly right: OperandNode;
}

export type OperandNode = PathNode | ValueNode | CallNode | ArithmeticNode;

export type Comparator = '=' | '<>' | '<' | '<=' | '>' | '>=';

export type ConditionNode =
  | { readonly kind: 'compare'; readonly operator: Comparator; readonly left: OperandNode; readonly right: OperandNode }
  | { readonly kind: 'between'; readonly value: OperandNode; readonly low: OperandNode; readonly high: OperandNode }
  | { readonly kind: 'in'; readonly value: OperandNode; readonly list: readonly OperandNode[] }
  /** `a IS [NOT] MISSING`, `a IS [NOT] NULL`. */
  | { readonly kind: 'is'; readonly path: OperandNode; readonly what: 'MISSING' | 'NULL'; readonly negated: boolean }
  /** A predicate function: `begins_with(a, 'x')`, `contains(a, 'x')`, `attribute_type(a, 'S')`. */
  | { readonly kind: 'function'; readonly name: string; readonly args: readonly OperandNode[] }
  | { readonly kind: 'and' | 'or'; readonly left: ConditionNode; readonly right: ConditionNode }
  | { readonly kind: 'not'; readonly condition: ConditionNode };

/** A table, or one of its indexes: `"table"` or `"table"."index"`. */
export interface Target {
  readonly table: string;
  readonly index?: string;
}

export type ReturningClause = 'ALL OLD' | 'MODIFIED OLD' | 'ALL NEW' | 'MODIFIED NEW';

export type UpdateClause =
  | { readonly kind: 'set'; readonly path: PathNode; readonly value: OperandNode }
  | { readonly kind: 'remove'; readonly path: PathNode };

export type StatementNode =
  | {
      readonly kind: 'select';
      readonly target: Target;
      /** undefined: `*`. */
      readonly projection?: readonly PathNode[];
      readonly where?: ConditionNode;
      readonly orderBy?: readonly { readonly path: PathNode; readonly descending: boolean }[];
    }
  | { readonly kind: 'insert'; readonly target: Target; readonly item: ValueNode }
  | {
      readonly kind: 'update';
      readonly target: Target;
      readonly clauses: readonly UpdateClause[];
      readonly where?: ConditionNode;
      readonly returning?: ReturningClause;
    }
  | { readonly kind: 'delete'; readonly target: Target; readonly where?: ConditionNode; readonly returning?: ReturningClause }
  /** `[NOT] EXISTS(SELECT * FROM t WHERE ...)`: a transaction's condition check. */
  | { readonly kind: 'exists'; readonly target: Target; readonly where?: ConditionNode; readonly negated: boolean };

/** A parsed statement and how many `?` it has. */
export interface ParsedStatement {
  readonly statement: StatementNode;
  readonly parameters: number;
}
