/**
 * A synthesized app's templates as the tools read them: its stacks and their resources, and
 * the pure reading of them (what a reference points at, a state machine's definition). Pure,
 * so that the CLI, the testing API (through inspect/assembly.ts, which reads an assembly from
 * its folder) and the local runtime (its templates in memory) read an app alike.
 */

/** One resource of a synthesized template, with the stack it belongs to. */
export interface TemplateResource {
  readonly stackName: string;
  readonly logicalId: string;
  readonly type: string;
  readonly properties: Record<string, unknown>;
  /**
   * Its construct path (`Stack/OrderSaga/Workflow/StateMachine/Resource`), from its
   * `aws:cdk:path` metadata; absent when the app synthesized without path metadata.
   */
  readonly constructPath?: string;
}

export interface AssemblyStack {
  readonly stackName: string;
  readonly region?: string;
  readonly resources: readonly TemplateResource[];
}

/** The parts of a cloud assembly (cdk.out) the tools read: the stacks and their resources. */
export interface CloudAssembly {
  readonly dir: string;
  readonly stacks: readonly AssemblyStack[];
}

/**
 * One stack of an assembly from its template as synthesized (read from its file, or the one the
 * local runtime holds in memory): its resources with their properties as written.
 */
export function assemblyStack(stackName: string, template: unknown, region?: string): AssemblyStack {
  const { Resources } = template as {
    Resources?: Record<string, { Type?: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }>;
  };
  const resources = Object.entries(Resources ?? {}).map(([logicalId, r]) => {
    const constructPath = r.Metadata?.['aws:cdk:path'];
    return {
      stackName,
      logicalId,
      type: String(r.Type),
      properties: r.Properties ?? {},
      ...(typeof constructPath === 'string' ? { constructPath } : {}),
    };
  });
  return { stackName, ...(region === undefined ? {} : { region }), resources };
}

/** A resource's construct path as a member to spread (none when its template has no path metadata). */
export function constructPathOf(resource: TemplateResource): { readonly constructPath?: string } {
  return resource.constructPath === undefined ? {} : { constructPath: resource.constructPath };
}

export function resourcesOfType(assembly: CloudAssembly, type: string): TemplateResource[] {
  return assembly.stacks.flatMap((s) => s.resources.filter((r) => r.type === type));
}

/** The logical id a `Ref` or `Fn::GetAtt` points at, or undefined for anything else. */
export function referencedId(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') return v.Ref;
  const getAtt = v['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

/**
 * A state machine's definition as JSON, with every `Ref`/`Fn::GetAtt` rendered as
 * `${ref:<LogicalId>}` so the CLI can see which resource a task calls. Undefined when
 * the definition is built from something else (a parameter, an S3 location).
 */
export function stateMachineDefinition(resource: TemplateResource): Record<string, unknown> | undefined {
  const p = resource.properties;
  const substitutions = (p.DefinitionSubstitutions ?? {}) as Record<string, unknown>;
  const render = (value: unknown): string | undefined => {
    if (typeof value === 'string') return value;
    const id = referencedId(value);
    if (id !== undefined) return `\${ref:${id}}`;
    const join = (value as Record<string, unknown> | null)?.['Fn::Join'];
    if (Array.isArray(join) && Array.isArray(join[1])) {
      const parts = join[1].map(render);
      return parts.every((part) => part !== undefined) ? parts.join(String(join[0])) : undefined;
    }
    const sub = (value as Record<string, unknown> | null)?.['Fn::Sub'];
    if (typeof sub === 'string') return sub.replace(/\$\{([^}!]+)\}/g, (_, name: string) => `\${ref:${name.split('.')[0]}}`);
    return undefined;
  };
  let text: string | undefined;
  if (p.Definition !== undefined && typeof p.Definition === 'object') text = JSON.stringify(p.Definition);
  else text = render(p.DefinitionString);
  if (text === undefined) return undefined;
  for (const [key, value] of Object.entries(substitutions)) {
    const rendered = render(value);
    if (rendered !== undefined) text = text.split(`\${${key}}`).join(rendered);
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
