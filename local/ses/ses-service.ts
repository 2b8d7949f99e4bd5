import { AwsError } from '../endpoint/aws-error.js';
import type { TargetDispatcher } from '../targets/dispatcher.js';
import type { Clock } from '../time/clock.js';
import { parseAddress } from './addresses.js';
import type { EventDestinationDefinition, SesDefinitions } from './definitions.js';
import { EventPublisher } from './event-publishing.js';
import { checkDomain, Identities, identityType, normalize } from './identities.js';
import { Mailbox } from './mailbox.js';
import { composeMessage } from './mime.js';
import { checkAccountSending, checkConfigurationSet, checkVerified, MAX_RECIPIENTS } from './send-checks.js';
import { type SendContent, Sending, type SendRequest } from './sending.js';
import { type SandboxSetting, type SesContext, sendQuota, sesArn } from './ses-context.js';
import type { ConfigurationSetRow, SesStore, TemplateRow } from './ses-store.js';
import { parseTemplateData, RenderingFailure, renderTemplate, type TemplateParts } from './templates.js';

export interface SesServiceOptions {
  readonly store: SesStore;
  readonly clock: Clock;
  readonly region: string;
  readonly accountId: string;
  readonly baseUrl: string;
  readonly setting: SandboxSetting;
  /** How events reach SNS topics and event buses: the runtime's one dispatcher. */
  readonly dispatcher: Pick<TargetDispatcher, 'send'>;
  /** Whether an SNS topic exists (an event destination must name one that does). */
  readonly topicExists: (topicArn: string) => Promise<boolean>;
  readonly log: (line: string) => void;
}

/** One destination of a bulk send: its recipients, and its own template data and tags. */
export interface BulkEntry {
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly bcc: readonly string[];
  /** Replaces the default data whole when given and not empty (`{}`), as SES's does. */
  readonly data?: string;
  readonly tags?: readonly { Name?: string; Value?: string }[];
}

export type BulkResult = { readonly messageId: string } | { readonly code: string; readonly message: string };

/**
 * The local SES, whichever API asks: identities, templates, configuration sets and their
 * event destinations, the account's sending, and sending itself (sending.ts) into the local
 * mailbox. Errors are the v1 API's; the v2 API translates them (api-v2.ts).
 */
export class SesService {
  readonly context: SesContext;
  readonly identities: Identities;
  readonly mailbox: Mailbox;
  readonly #sending: Sending;
  readonly #publisher: EventPublisher;

  constructor(private readonly options: SesServiceOptions) {
    const { store, clock, region, accountId, baseUrl, setting, log } = options;
    this.mailbox = new Mailbox(store);
    this.#publisher = new EventPublisher({ store, clock, region, accountId, dispatcher: options.dispatcher, log });
    this.context = { store, mailbox: this.mailbox, publisher: this.#publisher, clock, region, accountId, baseUrl, setting, log };
    this.identities = new Identities(this.context);
    this.#sending = new Sending(this.context, this.identities);
  }

  get store(): SesStore {
    return this.options.store;
  }

  /**
   * Creates (or updates) the template's identities, templates, configuration sets and event
   * destinations, and removes those an earlier template declared and this one does not;
   * answers what changed, a line each (for a reload's report).
   */
  declare(definitions: SesDefinitions): string[] {
    const { store, clock } = this.options;
    return store.transaction(() => {
      const removed = store.removeUndeclared({
        identities: definitions.identities.map((i) => normalize(i.name)),
        templates: definitions.templates.map((t) => t.name),
        configurationSets: definitions.configurationSets.map((c) => c.name),
        eventDestinations: definitions.eventDestinations,
      });
      for (const set of definitions.configurationSets) {
        store.putConfigurationSet({ ...set, createdAt: store.configurationSet(set.name)?.createdAt ?? clock.now() }, 'template');
      }
      for (const identity of definitions.identities) this.identities.declare(identity.name, identity.configurationSet);
      for (const template of definitions.templates) {
        store.putTemplate({ ...template, createdAt: store.template(template.name)?.createdAt ?? clock.now() }, 'template');
      }
      for (const destination of definitions.eventDestinations) {
        const created = store.putEventDestination(destination, 'template');
        if (created && destination.snsTopicArn !== undefined) this.#publisher.testTopic(destination.snsTopicArn);
      }
      return removed.map((line) => `${line} (removed)`);
    });
  }

  start(): void {
    this.#publisher.start();
  }

  stop(): Promise<void> {
    return this.#publisher.stop();
  }

  /** Resolves once every event owed to a destination is published (or waits for a retry). */
  idle(): Promise<void> {
    return this.#publisher.idle();
  }

  // ---- sending ----

  send(request: SendRequest): Promise<{ messageId: string }> {
    return this.#sending.send(request);
  }

  /**
   * One templated message per destination. What holds for the whole request (the sender, the
   * account, the configuration set, the template and its default data) fails the request;
   * what holds for one destination (its addresses, the sandbox, the quota) fails that entry.
   */
  async sendBulk(
    request: Omit<SendRequest, 'to' | 'cc' | 'bcc' | 'content'> & {
      readonly template: { readonly name?: string; readonly inline?: TemplateParts; readonly data?: string };
      readonly entries: readonly BulkEntry[];
    },
  ): Promise<BulkResult[]> {
    if (request.entries.length > MAX_RECIPIENTS) {
      throw new AwsError('InvalidParameterValue', `Number of destinations exceeds ${MAX_RECIPIENTS}.`, 400);
    }
    const sender = parseAddress(request.from ?? '');
    checkAccountSending(this.context);
    checkConfigurationSet(this.context, request.configurationSet);
    if (request.template.inline === undefined && this.store.template(request.template.name ?? '') === undefined) {
      throw new AwsError('TemplateDoesNotExist', `Template ${request.template.name ?? ''} does not exist.`, 400);
    }
    parseTemplateData(request.template.data);
    checkVerified({ ...this.context, setting: { sandbox: false } }, this.identities, sender, []);
    const results: BulkResult[] = [];
    for (const entry of request.entries) {
      const data = entry.data !== undefined && entry.data.trim() !== '' && entry.data.trim() !== '{}' ? entry.data : request.template.data;
      const content: SendContent = { kind: 'template', ...request.template, ...(data === undefined ? {} : { data }) };
      try {
        results.push(
          await this.#sending.send({
            ...request,
            to: entry.to,
            cc: entry.cc,
            bcc: entry.bcc,
            tags: [...request.tags, ...(entry.tags ?? [])],
            content,
          }),
        );
      } catch (error) {
        if (!(error instanceof AwsError)) throw error;
        results.push({ code: error.code, message: error.message });
      }
    }
    return results;
  }

  /** SES's quota: what a day allows, the rate, and what the last 24 hours sent. */
  quota(): { max24HourSend: number; maxSendRate: number; sentLast24Hours: number } {
    const { clock, setting } = this.options;
    return { ...sendQuota(setting), sentLast24Hours: this.store.sentSince(clock.now() - 24 * 3600_000) };
  }

  get sendingEnabled(): boolean {
    return this.store.setting('sending_enabled') !== 'false';
  }

  setSendingEnabled(enabled: boolean): void {
    this.store.setSetting('sending_enabled', String(enabled));
  }

  // ---- identities ----

  async createIdentity(name: string, options: { configurationSet?: string; tags?: readonly { Key: string; Value?: string }[] } = {}) {
    if (identityType(name) === 'Domain') checkDomain(name);
    if (options.configurationSet !== undefined) this.configurationSet(options.configurationSet);
    const identity = await this.identities.create(name, options);
    if (options.tags && options.tags.length > 0) this.store.putTags(this.identities.arn(identity.name), options.tags);
    return identity;
  }

  deleteIdentity(name: string): void {
    if (this.identities.delete(name)) this.store.deleteTags(this.identities.arn(name));
  }

  // ---- templates ----

  template(name: string): TemplateRow {
    const template = this.store.template(name);
    if (template === undefined) throw new AwsError('TemplateDoesNotExist', `Template ${name} does not exist.`, 400);
    return template;
  }

  createTemplate(name: string, parts: TemplateParts): void {
    if (this.store.template(name) !== undefined) throw new AwsError('AlreadyExists', `Template ${name} already exists.`, 400);
    this.#putTemplate(name, parts, this.options.clock.now());
  }

  updateTemplate(name: string, parts: TemplateParts): void {
    this.#putTemplate(name, parts, this.template(name).createdAt);
  }

  deleteTemplate(name: string): void {
    this.store.deleteTemplate(name);
  }

  /** A template rendered with data, as the MIME message SES would send (TestRenderTemplate). */
  async renderTest(name: string, data: string | undefined): Promise<string> {
    const template = this.template(name);
    let rendered: ReturnType<typeof renderTemplate>;
    try {
      rendered = renderTemplate(name, template, parseTemplateData(data));
    } catch (error) {
      if (error instanceof RenderingFailure) throw new AwsError(error.code, error.message, 400, { cause: error });
      throw error;
    }
    const now = new Date(this.options.clock.now());
    const raw = await composeMessage({ from: '', to: [], cc: [], replyTo: [], ...rendered }, 'render', now);
    // The rendered template is the message without sender, recipients and Message-ID.
    return raw.toString('utf8').replace(/^(From|Message-ID): .*\r\n/gim, '');
  }

  #putTemplate(name: string, parts: TemplateParts, createdAt: number): void {
    if (parts.subject === undefined || parts.subject === '')
      throw new AwsError('InvalidParameterValue', 'The subject must be specified.', 400);
    for (const source of [parts.subject, parts.html, parts.text]) {
      if (source === undefined) continue;
      try {
        renderTemplate(name, { subject: source }, {});
      } catch (error) {
        // A syntax error is the template's fault; a missing attribute is only the empty data's.
        if (error instanceof RenderingFailure && error.code === 'InvalidTemplate')
          throw new AwsError('InvalidTemplate', error.message, 400);
      }
    }
    this.store.putTemplate({ name, ...parts, createdAt }, 'api');
  }

  // ---- configuration sets and event destinations ----

  configurationSet(name: string): ConfigurationSetRow {
    const set = this.store.configurationSet(name);
    if (set === undefined) throw new AwsError('ConfigurationSetDoesNotExist', `Configuration set <${name}> does not exist.`, 400);
    return set;
  }

  createConfigurationSet(
    name: string,
    options: { sendingEnabled?: boolean; tags?: readonly { Key: string; Value?: string }[] } = {},
  ): void {
    if (this.store.configurationSet(name) !== undefined) {
      throw new AwsError('ConfigurationSetAlreadyExists', `Configuration set <${name}> already exists.`, 400);
    }
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
      throw new AwsError(
        'InvalidConfigurationSet',
        `Configuration set name <${name}> is invalid: use letters, digits, '_' and '-', at most 64.`,
        400,
      );
    }
    this.store.putConfigurationSet({ name, sendingEnabled: options.sendingEnabled ?? true, createdAt: this.options.clock.now() }, 'api');
    if (options.tags && options.tags.length > 0) this.store.putTags(sesArn(this.context, `configuration-set/${name}`), options.tags);
  }

  deleteConfigurationSet(name: string): void {
    this.configurationSet(name);
    this.store.deleteConfigurationSet(name);
    this.store.deleteTags(sesArn(this.context, `configuration-set/${name}`));
  }

  setConfigurationSetSending(name: string, enabled: boolean): void {
    const set = this.configurationSet(name);
    this.store.putConfigurationSet({ ...set, sendingEnabled: enabled }, 'api');
  }

  eventDestinations(configurationSet: string): EventDestinationDefinition[] {
    this.configurationSet(configurationSet);
    return this.store.eventDestinations(configurationSet);
  }

  /** Creates (`create`) or replaces an event destination; SES publishes a test message to a new SNS destination's topic. */
  async putEventDestination(destination: EventDestinationDefinition, mode: 'create' | 'update'): Promise<void> {
    const existing = this.eventDestinations(destination.configurationSet).some((d) => d.name === destination.name);
    if (mode === 'create' && existing) {
      throw new AwsError('EventDestinationAlreadyExists', `Event destination ${destination.name} already exists.`, 400);
    }
    if (mode === 'update' && !existing) {
      throw new AwsError('EventDestinationDoesNotExist', `No EventDestination found for ${destination.configurationSet}`, 400);
    }
    if (destination.snsTopicArn !== undefined && !(await this.options.topicExists(destination.snsTopicArn))) {
      throw new AwsError('InvalidSNSDestination', `SNS topic <${destination.snsTopicArn}> not found.`, 400);
    }
    this.store.transaction(() => {
      const created = this.store.putEventDestination(destination, 'api');
      if (created && destination.snsTopicArn !== undefined) this.#publisher.testTopic(destination.snsTopicArn);
    });
  }

  deleteEventDestination(configurationSet: string, name: string): void {
    this.configurationSet(configurationSet);
    if (!this.store.deleteEventDestination(configurationSet, name)) {
      throw new AwsError('EventDestinationDoesNotExist', `No EventDestination found for ${configurationSet}`, 400);
    }
  }
}
