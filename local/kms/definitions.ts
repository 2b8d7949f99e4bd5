import type { LoadedApp } from '../template/load.js';
import { tagMap } from '../template/tags.js';
import type { AliasDefinition, TemplateKey } from './kms-service.js';

/** The KMS keys (with their Tags) and aliases the app's templates declare. */
export function kmsDefinitions(app: LoadedApp): { keys: TemplateKey[]; aliases: AliasDefinition[] } {
  const resources = app.stacks.flatMap((stack) => stack.resources);
  const keys = resources
    .filter((r) => r.type === 'AWS::KMS::Key')
    .map((r) => {
      const p = r.properties;
      return {
        keyId: r.ref,
        ...(typeof p.Description === 'string' ? { description: p.Description } : {}),
        enabled: p.Enabled !== false && p.Enabled !== 'false',
        keySpec: typeof p.KeySpec === 'string' ? p.KeySpec : 'SYMMETRIC_DEFAULT',
        keyUsage: typeof p.KeyUsage === 'string' ? p.KeyUsage : 'ENCRYPT_DECRYPT',
        tags: tagMap(p.Tags),
      };
    });
  const aliases = resources
    .filter((r) => r.type === 'AWS::KMS::Alias' && typeof r.properties.TargetKeyId === 'string')
    .map((r) => ({ name: r.physicalName, targetKeyId: String(r.properties.TargetKeyId) }));
  return { keys, aliases };
}
