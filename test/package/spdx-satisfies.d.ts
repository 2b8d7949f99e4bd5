/** spdx-satisfies (MIT) ships no types: whether an SPDX expression is satisfied by the licences allowed. */
declare module 'spdx-satisfies' {
  export default function satisfies(expression: string, allowed: readonly string[]): boolean;
}
