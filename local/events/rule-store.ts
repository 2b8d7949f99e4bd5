import type { DatabaseSync } from 'node:sqlite';
import { AwsError } from '../endpoint/aws-error.js';
import { tryParseArn } from '../names/arn.js';
import { JsonTable } from '../store/json-table.js';
import type { BusDefinition, RuleDefinition, TargetDefinition } from './definitions.js';
import { type CompiledPattern, compilePattern } from './pattern.js';

export interface CompiledRule {
  readonly definition: RuleDefinition;
  readonly pattern?: CompiledPattern;
  readonly targets: ReadonlyMap<string, TargetDefinition>;
}

export interface RuleStoreOptions {
  readonly db: DatabaseSync;
  readonly accountId: string;
  readonly region: string;
  readonly buses: readonly BusDefinition[];
  readonly rules: readonly RuleDefinition[];
  readonly log?: (line: string) => void;
  /** Called with the ARN of each bus and rule deleted, so that what is kept about it (its tags) goes with it. */
  readonly forget?: (arn: string) => void;
}

/** Whether a rule in this state routes events (the CloudTrail variant is also enabled). */
export const isEnabled = (rule: RuleDefinition) => rule.state !== 'DISABLED';

/**
 * The buses and rules events are routed by. Template buses and rules are re-applied at
 * every start, as CloudFormation would redeploy them; buses and rules created through the
 * API are kept in SQLite and come back after a restart. A template rule changed through
 * the API keeps the change only until the next start (like CloudFormation drift).
 */
export class RuleStore {
  readonly #buses = new Map<string, BusDefinition>();
  readonly #rulesByBus = new Map<string, CompiledRule[]>();
  readonly #rulesByArn = new Map<string, CompiledRule>();
  readonly #templateBuses = new Set<string>();
  readonly #templateRules = new Set<string>();
  /** The buses and rules the API created. */
  readonly #apiBuses: JsonTable<BusDefinition>;
  readonly #apiRules: JsonTable<RuleDefinition>;

  constructor(private readonly options: RuleStoreOptions) {
    const { db } = options;
    this.#apiBuses = new JsonTable(db, 'api_buses', 'name');
    this.#apiRules = new JsonTable(db, 'api_rules', 'arn');

    for (const bus of options.buses) {
      this.#buses.set(bus.name, bus);
      this.#templateBuses.add(bus.name);
    }
    if (!this.#buses.has('default')) this.#buses.set('default', { name: 'default', arn: this.busArn('default') });
    for (const bus of this.#apiBuses.all()) {
      // A bus the template now declares is the template's.
      if (this.#buses.has(bus.name)) this.#apiBuses.delete(bus.name);
      else this.#buses.set(bus.name, bus);
    }

    for (const rule of options.rules) {
      this.#put(rule);
      this.#templateRules.add(rule.arn);
    }
    for (const rule of this.#apiRules.all()) {
      if (this.#templateRules.has(rule.arn)) {
        this.#apiRules.delete(rule.arn);
      } else if (!this.#buses.has(rule.busName)) {
        options.log?.(`rule ${rule.name} was created on event bus ${rule.busName}, which no longer exists; it is not loaded`);
      } else {
        this.#put(rule);
      }
    }
  }

  busArn(name: string): string {
    return `arn:aws:events:${this.options.region}:${this.options.accountId}:event-bus/${name}`;
  }

  ruleArn(busName: string, ruleName: string): string {
    const path = busName === 'default' ? ruleName : `${busName}/${ruleName}`;
    return `arn:aws:events:${this.options.region}:${this.options.accountId}:rule/${path}`;
  }

  /** @throws AwsError ResourceNotFoundException */
  bus(nameOrArn: string): BusDefinition {
    const name = nameOrArn.startsWith('arn:') ? busNameOf(nameOrArn) : nameOrArn;
    const bus = this.#buses.get(name);
    if (!bus) throw new AwsError('ResourceNotFoundException', `Event bus ${name} does not exist.`);
    return bus;
  }

  hasBus(name: string): boolean {
    return this.#buses.has(name);
  }

  /** Whether the bus a name or ARN names exists (a bus ARN of another account or region names it too, as `bus` reads it). */
  hasBusNamed(nameOrArn: string): boolean {
    return this.#buses.has(nameOrArn.startsWith('arn:') ? busNameOf(nameOrArn) : nameOrArn);
  }

  buses(): BusDefinition[] {
    return [...this.#buses.values()];
  }

  rulesOn(busName: string): readonly CompiledRule[] {
    return this.#rulesByBus.get(busName) ?? [];
  }

  ruleByArn(arn: string): CompiledRule | undefined {
    return this.#rulesByArn.get(arn);
  }

  findRule(name: string, busName: string): CompiledRule | undefined {
    return this.rulesOn(busName).find((r) => r.definition.name === name);
  }

  /** @throws AwsError ResourceNotFoundException naming the rule and bus */
  rule(name: string | undefined, busNameOrArn: string | undefined): CompiledRule {
    const bus = this.bus(busNameOrArn ?? 'default');
    const rule = this.findRule(name ?? '', bus.name);
    if (!rule) throw new AwsError('ResourceNotFoundException', `Rule ${name} does not exist on EventBus ${bus.name}.`);
    return rule;
  }

  /** Adds or replaces a rule (by ARN), and stores it unless the template owns it. */
  saveRule(rule: RuleDefinition): CompiledRule {
    const compiled = this.#put(rule);
    if (!this.#templateRules.has(rule.arn)) this.#apiRules.put(rule.arn, rule);
    return compiled;
  }

  deleteRule(arn: string): void {
    const rule = this.#rulesByArn.get(arn);
    if (!rule) return;
    this.#rulesByArn.delete(arn);
    const list = this.rulesOn(rule.definition.busName).filter((r) => r.definition.arn !== arn);
    this.#rulesByBus.set(rule.definition.busName, list);
    this.#apiRules.delete(arn);
    this.options.forget?.(arn);
  }

  saveBus(bus: BusDefinition): void {
    this.#buses.set(bus.name, bus);
    this.#apiBuses.put(bus.name, bus);
  }

  /** Deletes a bus and the rules on it. */
  deleteBus(name: string): void {
    for (const rule of this.rulesOn(name)) this.deleteRule(rule.definition.arn);
    const bus = this.#buses.get(name);
    this.#rulesByBus.delete(name);
    this.#buses.delete(name);
    this.#apiBuses.delete(name);
    if (bus) this.options.forget?.(bus.arn);
  }

  /**
   * Applies a reloaded template's buses and rules (`switchyard dev`): new ones are added, a
   * changed rule routes by its new pattern and targets from the next event on (deliveries
   * already owed keep going to the target by its id). Buses and rules the template no longer
   * has stay until the next start. Returns the names of the rules added or changed.
   */
  declareTemplate(buses: readonly BusDefinition[], rules: readonly RuleDefinition[]): { added: string[]; changed: string[] } {
    for (const bus of buses) {
      if (this.#buses.has(bus.name) && !this.#templateBuses.has(bus.name)) this.#apiBuses.delete(bus.name);
      this.#buses.set(bus.name, bus);
      this.#templateBuses.add(bus.name);
    }
    const added: string[] = [];
    const changed: string[] = [];
    for (const rule of rules) {
      const existing = this.#rulesByArn.get(rule.arn);
      if (existing !== undefined && JSON.stringify(existing.definition) === JSON.stringify(rule)) continue;
      (existing === undefined ? added : changed).push(rule.name);
      // A rule the API created that the template now declares becomes the template's, as at a start.
      if (!this.#templateRules.has(rule.arn)) this.#apiRules.delete(rule.arn);
      this.#templateRules.add(rule.arn);
      this.#put(rule);
    }
    return { added, changed };
  }

  #put(rule: RuleDefinition): CompiledRule {
    const compiled: CompiledRule = {
      definition: rule,
      pattern: rule.eventPattern === undefined ? undefined : compilePattern(rule.eventPattern),
      targets: new Map(rule.targets.map((target) => [target.id, target])),
    };
    const list = [...this.rulesOn(rule.busName)];
    const at = list.findIndex((r) => r.definition.arn === rule.arn);
    if (at >= 0) list[at] = compiled;
    else list.push(compiled);
    this.#rulesByBus.set(rule.busName, list);
    this.#rulesByArn.set(rule.arn, compiled);
    return compiled;
  }
}

/** The bus an `event-bus/<name>` ARN names; '' for any other ARN (no bus has that name). */
function busNameOf(arn: string): string {
  const parsed = tryParseArn(arn);
  return parsed?.resourceType === 'event-bus' ? parsed.resourceId : '';
}
