import { READ_API_PATHS } from '../../clients/read-api-contract.js';
import { only, type ServiceReads, sendJson } from '../read-api/routes.js';
import type { IamCheck } from './iam-check.js';

/** What IAM adds to the read API: `/iam`, the report of this run (its mode, the requests AWS would refuse, each role's used and unused grants). */
export function iamReads(iam: Pick<IamCheck, 'report'>): ServiceReads {
  return {
    routes: [
      {
        path: READ_API_PATHS.iam,
        handle({ query, res }) {
          only(query, []);
          sendJson(res, 200, iam.report());
        },
      },
    ],
  };
}
