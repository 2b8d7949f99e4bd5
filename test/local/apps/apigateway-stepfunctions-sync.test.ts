import { describe, expect, it } from 'vitest';
import { runApp } from './helpers.js';
import { restApiOf } from './rest-api-front-door.js';

// Written here (test/fixtures/apps/apigateway-stepfunctions-sync/app.ts): CDK's
// StepFunctionsRestApi in front of an Express state machine that greets `body.name` or fails
// with NoName. The API runs it with StartSyncExecution, through CDK's own request template
// (body, query string and path into the input) and response template (the output; for a
// failed execution, 500 with its error and cause).
let api: ReturnType<typeof restApiOf>;

runApp('apigateway-stepfunctions-sync', (running) => {
  api = restApiOf('apigateway-stepfunctions-sync', running);
});

const json = { 'content-type': 'application/json' };

describe('apigateway-stepfunctions-sync (StepFunctionsRestApi)', () => {
  it('runs its one method: nothing but the API Gateway account is reported', () => {
    expect(api.warnings).toEqual([]);
  });

  it("answers with the execution's output, the body and query string having reached its input", async () => {
    const response = await api.send('POST', '/', { body: JSON.stringify({ name: 'O\'Brien "Bob" /é' }), headers: json, query: 'sort=asc' });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toEqual({ greeting: 'Hello, O\'Brien "Bob" /é!', orderBy: { sort: 'asc' } });
    expect(api.log()).toEqual([]);
  });

  it("answers a failed execution with 500 and its error and cause, through the template's responseOverride", async () => {
    const response = await api.send('POST', '/', { body: JSON.stringify({ nobody: true }), headers: json });
    expect(response.status).toBe(500);
    expect(JSON.parse(response.text)).toEqual({ error: 'NoName', cause: 'a name is required' });
  });

  it('fails with 415 for a body that is not JSON (passthrough NEVER): no execution starts', async () => {
    const response = await api.send('POST', '/', { body: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(response.status).toBe(415);
    expect(JSON.parse(response.text)).toEqual({ message: 'Unsupported Media Type' });
  });
});
