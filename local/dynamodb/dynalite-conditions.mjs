// What dynalite lacks of DynamoDB's conditional writes: `ReturnValuesOnConditionCheckFailure`
// (PutItem, UpdateItem, DeleteItem). With `ALL_OLD`, DynamoDB answers a failed condition
// with the item as it was (`Item` beside the message; nothing when there was no item), so a
// writer that lost learns why without a second request. dynalite drops the parameter in its
// type check and answers without the item. Both are changed here, in the module instance
// dynalite's actions use: the item is the one dynalite evaluated the condition on, under
// its lock on the item, so it is exactly the item that failed the condition, as in DynamoDB.
// Plain JavaScript: loaded by dynalite's worker thread (dynalite-worker.mjs) and the tests.
import { createRequire } from 'node:module';

const WRITES = ['putItem', 'updateItem', 'deleteItem'];
const PARAMETER = 'ReturnValuesOnConditionCheckFailure';
const applied = Symbol.for('switchyard.dynalite.returnValuesOnConditionCheckFailure');

/** Makes this process's dynalite answer `ReturnValuesOnConditionCheckFailure`; once per process. */
export function returnValuesOnConditionCheckFailure() {
  const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
  const db = fromDynalite('./db');
  if (db[applied]) return;
  for (const action of WRITES) {
    // dynalite's type check keeps only the parameters its table names, and checks their values.
    fromDynalite(`./validations/${action}`).types[PARAMETER] = { type: 'String', enum: ['ALL_OLD', 'NONE'] };
  }
  const checkConditional = db.checkConditional;
  db.checkConditional = (data, existingItem) => {
    const failed = checkConditional(data, existingItem);
    if (failed && data[PARAMETER] === 'ALL_OLD' && existingItem && failed.body?.__type?.endsWith('#ConditionalCheckFailedException')) {
      failed.body.Item = existingItem;
    }
    return failed;
  };
  db[applied] = true;
}
