import type { LeafServiceDeclaration } from './declaration.js';
import { TEXTRACT } from './textract.js';

/** The leaf services the engine serves, each declared in its own file. */
export const LEAF_SERVICES: readonly LeafServiceDeclaration[] = [TEXTRACT];
