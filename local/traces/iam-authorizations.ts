import { on, type ServiceIam } from '../iam/authorizations.js';

/**
 * X-Ray's OTLP endpoint as IAM authorizes it: sending spans is `xray:PutSpans`, which takes no
 * resource (`*`). Refused, the endpoint answers 403 (the receiver writes it as an OTLP `Status`).
 */
export const tracesIam: ServiceIam = {
  prefix: 'xray',
  operations: { PutSpans: () => [on('xray:PutSpans', '*')] },
  accessDenied: { code: 'AccessDeniedException', status: 403 },
};
