import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/**
 * Whether a QueueUrl's host can be reached, as the Java SDK that AWS runs `sqs:` tasks on finds
 * out: it sends the request to the QueueUrl's own host, so a host that does not resolve fails the
 * task with `SdkClientException` before SQS is reached. The runtime's queues answer for SQS's
 * endpoints (AWS's names, localhost, an IP address) whatever DNS says; any other host is looked
 * up, once a minute at most: each answer, found or not found, is kept for TTL_MS (a task sending
 * to one queue in a loop asked the resolver every time), for at most MAX_HOSTS hosts, the least
 * recently asked dropped first. A lookup that could not be answered (the resolver timed out or
 * refused) is not kept: it fails this task, as it fails the SDK's request, and the next asks again.
 */
export class QueueHosts {
  /** By host: when its answer was had, and the SDK's words for why it cannot be reached (undefined: it can). */
  readonly #answers = new Map<string, { readonly at: number; readonly unreachable: string | undefined }>();

  constructor(
    private readonly lookup: (host: string) => Promise<unknown> = dnsLookup,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Why the QueueUrl's host cannot be reached, in the SDK's words (`Unable to execute HTTP
   * request: <host>: Name or service not known`); undefined when it can, or when the URL names no host.
   */
  async unreachable(queueUrl: string): Promise<string | undefined> {
    let host: string;
    try {
      host = new URL(queueUrl).hostname;
    } catch {
      return undefined;
    }
    if (host === '' || isIP(host.replace(/^\[|\]$/g, '')) !== 0 || SQS_HOSTS.test(host)) return undefined;
    const kept = this.#answers.get(host);
    if (kept && this.now() - kept.at < TTL_MS) {
      // Asked again: the most recently asked are kept longest.
      this.#answers.delete(host);
      this.#answers.set(host, kept);
      return kept.unreachable;
    }
    this.#answers.delete(host);
    const answer = await this.#resolve(host);
    if (answer.kept) {
      this.#answers.set(host, { at: this.now(), unreachable: answer.unreachable });
      for (const oldest of this.#answers.keys()) {
        if (this.#answers.size <= MAX_HOSTS) break;
        this.#answers.delete(oldest);
      }
    }
    return answer.unreachable;
  }

  async #resolve(host: string): Promise<{ unreachable: string | undefined; kept: boolean }> {
    try {
      await this.lookup(host);
      return { unreachable: undefined, kept: true };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      const reason = RESOLVER_WORDS[code] ?? (error instanceof Error ? error.message : String(error));
      // The host has no address (ENOTFOUND, ENODATA): an answer, kept; anything else may go by itself.
      return { unreachable: `Unable to execute HTTP request: ${host}: ${reason}`, kept: code in ANSWERS };
    }
  }
}

/** Hosts the runtime's queues answer for whatever DNS says: AWS's SQS endpoints and this machine. */
const SQS_HOSTS = /(^|\.)(localhost|amazonaws\.com|amazonaws\.com\.cn)$/;

/** How long a host's answer is kept: about a DNS record's common TTL. */
const TTL_MS = 60_000;
/** How many hosts' answers are kept. */
const MAX_HOSTS = 256;

/** Resolver answers that the host has no address: kept like an address found. */
const ANSWERS: Readonly<Record<string, string>> = {
  ENOTFOUND: 'Name or service not known',
  ENODATA: 'No address associated with hostname',
};

/**
 * The words of Java's UnknownHostException (glibc's gai_strerror) for Node's resolver codes, which
 * the SDK's `Unable to execute HTTP request:` quotes.
 */
const RESOLVER_WORDS: Readonly<Record<string, string>> = {
  ...ANSWERS,
  EAI_AGAIN: 'Temporary failure in name resolution',
  EAI_FAIL: 'Non-recoverable failure in name resolution',
};
