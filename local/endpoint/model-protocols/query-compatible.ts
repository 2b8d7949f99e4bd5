import type { AwsError } from '../aws-error.js';
import type { ApiModel } from '../validation/model.js';

/** The header an `awsQueryCompatible` API answers an error's query code in, as `<code>;Sender` or `<code>;Receiver`. */
export const QUERY_ERROR_HEADER = 'x-amzn-query-error';

/**
 * How an API that moved from the query protocol to JSON or RPC v2 CBOR with Smithy's
 * `awsQueryCompatible` trait (CloudWatch) names its errors: a service throws the code its query
 * protocol answers (`InvalidParameterValue`, what botocore and the AWS CLI report), and the JSON
 * and CBOR answers carry the error's shape name in `__type` (`InvalidParameterValueException`,
 * which the AWS SDK v3 makes its exception class of) with the query code in `x-amzn-query-error`.
 * The shape of each code is read from the model's error shapes (`error.code`); `others` names
 * those AWS answers that the model declares no shape for (CloudWatch's `ValidationError`, whose
 * JSON type is `ValidationException`).
 */
export class QueryCompatibleErrors {
  readonly #shapes = new Map<string, string>();

  constructor(model: ApiModel, others: Readonly<Record<string, string>> = {}) {
    for (const [name, shape] of Object.entries(model.shapes)) {
      const code = shape.error?.code;
      if (shape.exception && code !== undefined && !this.#shapes.has(code)) this.#shapes.set(code, name);
    }
    for (const [code, name] of Object.entries(others)) this.#shapes.set(code, name);
  }

  /** The error's name in a JSON or CBOR `__type`: its shape's, or its code where no shape has that code. */
  typeOf(error: AwsError): string {
    return this.#shapes.get(error.code) ?? error.code;
  }

  /** The `x-amzn-query-error` header of an error. */
  headers(error: AwsError): Record<string, string> {
    return { [QUERY_ERROR_HEADER]: `${error.code};${error.senderFault ? 'Sender' : 'Receiver'}` };
  }
}
