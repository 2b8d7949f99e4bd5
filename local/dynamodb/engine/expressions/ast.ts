/** The syntax trees of DynamoDB's expressions, before names and values are substituted. */

/** A document path's step: an attribute or map member (`a`, `#a`) or a list element (`[2]`). */
export type PathStep = { readonly name: string; readonly placeholder: boolean } | { readonly index: number };

export interface PathNode {
  readonly kind: 'path';
  readonly steps: readonly PathStep[];
}

export interface ValueNode {
  readonly kind: 'value';
  /** `:name` */
  readonly name: string;
}

/** A function call used as an operand (`size(a)`) or in an update's SET (`list_append`, `if_not_exists`). */
export interface CallNode {
  readonly kind: 'call';
  readonly name: string;
  readonly args: readonly Operand[];
}

/** `a + b`, `a - b` in an update's SET. */
export interface ArithmeticNode {
  readonly kind: 'arithmetic';
  readonly operator: '+' | '-';
  readonly left: Operand;
  readonly right: Operand;
}

export type Operand = PathNode | ValueNode | CallNode | ArithmeticNode;

export type Comparator = '=' | '<>' | '<' | '<=' | '>' | '>=';

export type Condition =
  | { readonly kind: 'compare'; readonly operator: Comparator; readonly left: Operand; readonly right: Operand }
  | { readonly kind: 'between'; readonly value: Operand; readonly low: Operand; readonly high: Operand }
  | { readonly kind: 'in'; readonly value: Operand; readonly list: readonly Operand[] }
  | { readonly kind: 'function'; readonly name: string; readonly args: readonly Operand[] }
  | { readonly kind: 'and' | 'or'; readonly left: Condition; readonly right: Condition }
  | { readonly kind: 'not'; readonly condition: Condition }
  | { readonly kind: 'parens'; readonly condition: Condition };

export interface UpdateAction {
  readonly section: 'SET' | 'REMOVE' | 'ADD' | 'DELETE';
  readonly path: PathNode;
  /** SET's value, ADD's and DELETE's operand; none for REMOVE. */
  readonly value?: Operand;
}
