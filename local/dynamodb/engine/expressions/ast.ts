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
export interface CallNode<O = Operand> {
  readonly kind: 'call';
  readonly name: string;
  readonly args: readonly O[];
}

/** `a + b`, `a - b` in an update's SET. */
export interface ArithmeticNode<O = Operand> {
  readonly kind: 'arithmetic';
  readonly operator: '+' | '-';
  readonly left: O;
  readonly right: O;
}

export type Operand = PathNode | ValueNode | CallNode | ArithmeticNode;

export type Comparator = '=' | '<>' | '<' | '<=' | '>' | '>=';

/*
 * The conditions DynamoDB's expressions and its PartiQL statements both write, each over its
 * own operands (O) and conditions (C).
 */
export interface CompareNode<O> {
  readonly kind: 'compare';
  readonly operator: Comparator;
  readonly left: O;
  readonly right: O;
}
export interface BetweenNode<O> {
  readonly kind: 'between';
  readonly value: O;
  readonly low: O;
  readonly high: O;
}
export interface InNode<O> {
  readonly kind: 'in';
  readonly value: O;
  readonly list: readonly O[];
}
/** A predicate function: `begins_with(a, :x)`, `contains(a, :x)`, `attribute_type(a, :t)`. */
export interface FunctionNode<O> {
  readonly kind: 'function';
  readonly name: string;
  readonly args: readonly O[];
}
export interface JunctionNode<C> {
  readonly kind: 'and' | 'or';
  readonly left: C;
  readonly right: C;
}
export interface NotNode<C> {
  readonly kind: 'not';
  readonly condition: C;
}

export type Condition =
  | CompareNode<Operand>
  | BetweenNode<Operand>
  | InNode<Operand>
  | FunctionNode<Operand>
  | JunctionNode<Condition>
  | NotNode<Condition>
  | { readonly kind: 'parens'; readonly condition: Condition };

export interface UpdateAction {
  readonly section: 'SET' | 'REMOVE' | 'ADD' | 'DELETE';
  readonly path: PathNode;
  /** SET's value, ADD's and DELETE's operand; none for REMOVE. */
  readonly value?: Operand;
}
