import type {
  ArithmeticNode,
  BetweenNode,
  CompareNode,
  CallNode as ExpressionCallNode,
  FunctionNode,
  InNode,
  JunctionNode,
  NotNode,
} from '../expressions/ast.js';

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

/** A function call (`size(a)`, and in SET `list_append`, `set_add`, `set_delete`). */
export type CallNode = ExpressionCallNode<OperandNode>;

export type OperandNode = PathNode | ValueNode | CallNode | ArithmeticNode<OperandNode>;

/** The expressions' conditions over PartiQL's operands, and `a IS [NOT] MISSING`, `a IS [NOT] NULL`. */
export type ConditionNode =
  | CompareNode<OperandNode>
  | BetweenNode<OperandNode>
  | InNode<OperandNode>
  | { readonly kind: 'is'; readonly path: OperandNode; readonly what: 'MISSING' | 'NULL'; readonly negated: boolean }
  | FunctionNode<OperandNode>
  | JunctionNode<ConditionNode>
  | NotNode<ConditionNode>;

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
