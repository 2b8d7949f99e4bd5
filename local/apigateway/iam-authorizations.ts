import { loadModel } from '../endpoint/validation/model.js';
import { type OperationMap, on, serviceIam, text } from '../iam/authorizations.js';
import { apiOperations } from '../service-registry/operation-table.js';
import { RestApiControl } from './rest-api-control.js';

/** Operations whose resource is not their route's path: CreateResource's is the collection it adds to (the Service Authorization Reference's `Resources`). */
const RESOURCE_PATHS: Readonly<Record<string, string>> = { CreateResource: '/restapis/{restapi_id}/resources' };

/**
 * An operation of API Gateway's control plane as IAM authorizes it: the HTTP method of its
 * route (`apigateway:POST`) on the resource its path names
 * (`arn:aws:apigateway:<region>::/restapis/<id>/resources/<id>`), as the Service Authorization
 * Reference writes API Gateway's actions; both read from the operation's route in the model.
 */
const routeAuthorization =
  (operation: string): OperationMap =>
  (input, context) => {
    const model = loadModel('apigateway');
    const served = model.operations[operation];
    if (served === undefined) return [];
    const members = Object.entries(model.shapes[served.input ?? '']?.members ?? {});
    let path = RESOURCE_PATHS[operation] ?? served.http.requestUri.split('?')[0] ?? '/';
    for (const [member, ref] of members) {
      if (ref.location === 'uri') path = path.replace(`{${ref.locationName ?? member}}`, encodeURIComponent(text(input[member]) ?? '*'));
    }
    return [on(`apigateway:${served.http.method}`, `arn:aws:apigateway:${context.region}::${path}`)];
  };

/** How IAM authorizes API Gateway's requests (its module declares it): each control-plane operation by its route. */
export const apiGatewayIam = serviceIam('apigateway', {
  accessDenied: { code: 'AccessDeniedException', status: 403 },
  operations: Object.fromEntries(apiOperations(RestApiControl).map((operation) => [operation, routeAuthorization(operation)])),
});
