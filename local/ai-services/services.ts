import { COMPREHEND } from './comprehend.js';
import { DATA_AUTOMATION } from './data-automation.js';
import type { LeafServiceDeclaration } from './declaration.js';
import { POLLY } from './polly.js';
import { REKOGNITION } from './rekognition.js';
import { TEXTRACT } from './textract.js';
import { TRANSCRIBE } from './transcribe.js';
import { TRANSLATE } from './translate.js';

/** The leaf services the engine serves, each declared in its own file. */
export const LEAF_SERVICES: readonly LeafServiceDeclaration[] = [
  TEXTRACT,
  COMPREHEND,
  TRANSLATE,
  REKOGNITION,
  POLLY,
  TRANSCRIBE,
  DATA_AUTOMATION,
];
