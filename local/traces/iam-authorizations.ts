import { serviceIam } from '../iam/authorizations.js';

/**
 * X-Ray's OTLP endpoint as IAM authorizes it: sending spans is `xray:PutSpans`, which takes no
 * resource (`*`). Refused, the endpoint answers 403 (the receiver writes it as an OTLP `Status`).
 */
export const tracesIam = serviceIam('xray', { accessDenied: { code: 'AccessDeniedException', status: 403 }, unscoped: ['PutSpans'] });
