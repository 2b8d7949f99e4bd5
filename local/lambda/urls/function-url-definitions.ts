/**
 * The template's function URLs (`AWS::Lambda::Url`), as the local Lambda serves them: which
 * function (and alias) each invokes, how callers authenticate, its CORS settings and whether
 * the function answers in one piece or as a stream.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-url.html
 */
import { type CorsConfiguration, corsConfigurationOf } from '../../apigateway/cors.js';
import type { LoadedResource } from '../../template/load.js';
import { parseFunctionName } from '../core/function-reference.js';
import type { FunctionDefinition } from '../runtime/function-runtime.js';

export type FunctionUrlAuthType = 'NONE' | 'AWS_IAM';

export interface FunctionUrlDefinition {
  /** The `<url-id>` of `https://<url-id>.lambda-url.<region>.on.aws/` (the resource's `FunctionUrl`). */
  readonly urlId: string;
  /** `Stack/LogicalId`, for the start-up report and the runtime's log lines. */
  readonly resource: string;
  readonly functionName: string;
  /** The function's ARN, qualified with the URL's alias or version when it has one: what IAM authorizes the call on. */
  readonly functionArn: string;
  /** The alias (or version) it invokes; the unpublished version when absent. */
  readonly qualifier?: string;
  readonly authType: FunctionUrlAuthType;
  readonly cors?: CorsConfiguration;
  /** BUFFERED (the default): the function's answer is read as a whole; RESPONSE_STREAM: its stream is the body. */
  readonly invokeMode: 'BUFFERED' | 'RESPONSE_STREAM';
  /** The URL CloudFormation returns (`Fn::GetAtt FunctionUrl`), which the app may have in its outputs or environment. */
  readonly awsUrl: string;
}

/** The template's function URLs of functions it declares; any other is left out, with a warning. */
export function functionUrlDefinitions(
  resources: readonly LoadedResource[],
  functions: readonly FunctionDefinition[],
  warnings: string[],
): FunctionUrlDefinition[] {
  const byReference = new Map(functions.flatMap((f) => [[f.name, f] as const, [f.arn, f] as const]));
  const urls: FunctionUrlDefinition[] = [];
  for (const r of resources) {
    const p = r.properties as Record<string, unknown>;
    const where = `${r.stackName}/${r.logicalId} (AWS::Lambda::Url)`;
    const target = typeof p.TargetFunctionArn === 'string' ? parseFunctionName(p.TargetFunctionArn) : undefined;
    const fn = target === undefined ? undefined : (byReference.get(target.name) ?? byReference.get(String(p.TargetFunctionArn)));
    if (fn === undefined) {
      warnings.push(`${where}: its TargetFunctionArn names no function of the app, so the URL is not served`);
      continue;
    }
    const awsUrl = r.attributes.FunctionUrl ?? '';
    const urlId = /^https:\/\/([a-z0-9]+)\.lambda-url\./.exec(awsUrl)?.[1];
    if (urlId === undefined) continue;
    const qualifier = typeof p.Qualifier === 'string' ? p.Qualifier : target?.qualifier;
    const cors = corsConfigurationOf(p.Cors);
    // AWS sends each chunk as the function writes it; the local invoke hands back the whole stream at its end.
    if (p.InvokeMode === 'RESPONSE_STREAM')
      warnings.push(
        `${where}: InvokeMode RESPONSE_STREAM is buffered locally: the answer is sent once the function has ended, not as it writes`,
      );
    urls.push({
      urlId,
      resource: `${r.stackName}/${r.logicalId}`,
      functionName: fn.name,
      functionArn: qualifier === undefined ? fn.arn : `${fn.arn}:${qualifier}`,
      ...(qualifier === undefined ? {} : { qualifier }),
      // CloudFormation requires AuthType; AWS_IAM is the safer reading of a template without one.
      authType: p.AuthType === 'NONE' ? 'NONE' : 'AWS_IAM',
      ...(cors ? { cors } : {}),
      invokeMode: p.InvokeMode === 'RESPONSE_STREAM' ? 'RESPONSE_STREAM' : 'BUFFERED',
      awsUrl,
    });
  }
  return urls;
}
