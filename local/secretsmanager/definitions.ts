import type { LoadedApp } from '../template/load.js';
import { whereOf } from '../template/not-run.js';
import { tagMap } from '../template/tags.js';
import type { GenerateSecretStringSpec } from './generate-secret-string.js';

/** A secret the template declares (`AWS::SecretsManager::Secret`). */
export interface SecretDefinition {
  readonly name: string;
  readonly arn: string;
  readonly description?: string;
  readonly kmsKeyId?: string;
  /** The template's `SecretString`, or how to generate one (`GenerateSecretString`). */
  readonly value: { readonly secretString: string } | { readonly generate: GenerateSecretStringSpec };
  /** The template's Tags: the secret's tags at each start. */
  readonly tags: Readonly<Record<string, string>>;
  /** `Stack/LogicalId (AWS::SecretsManager::Secret)`, for warnings. */
  readonly where: string;
}

export function secretDefinitions(app: LoadedApp): { secrets: SecretDefinition[]; warnings: string[] } {
  const secrets: SecretDefinition[] = [];
  const warnings: string[] = [];
  for (const stack of app.stacks) {
    for (const r of stack.resources) {
      const where = whereOf(r);
      if (r.type !== 'AWS::SecretsManager::Secret') continue;
      const p = r.properties;
      const text = (key: string) => (typeof p[key] === 'string' ? (p[key] as string) : undefined);
      const generate = p.GenerateSecretString as GenerateSecretStringSpec | undefined;
      const secretString = text('SecretString');
      if (Array.isArray(p.ReplicaRegions) && p.ReplicaRegions.length > 0) {
        warnings.push(`${where}: replica regions are not created locally`);
      }
      secrets.push({
        name: r.physicalName,
        arn: r.ref,
        where,
        value: secretString !== undefined ? { secretString } : { generate: generate ?? {} },
        ...(text('Description') === undefined ? {} : { description: text('Description') }),
        ...(text('KmsKeyId') === undefined ? {} : { kmsKeyId: text('KmsKeyId') }),
        tags: tagMap(p.Tags),
      });
    }
  }
  return { secrets, warnings };
}
