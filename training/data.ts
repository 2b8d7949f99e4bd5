/** The training tickets (training/tickets.jsonl), read and checked. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { TicketQueue } from '../domain/tickets.js';
import { LABELS } from './config.js';

export interface Ticket {
  readonly subject: string;
  readonly body: string;
  readonly queue: TicketQueue;
}

export function loadTickets(path: string): { tickets: Ticket[]; sha256: string } {
  const text = readFileSync(path, 'utf8');
  const tickets: Ticket[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const raw = JSON.parse(line) as Partial<Record<keyof Ticket, unknown>>;
    const { subject, body, queue } = raw;
    if (typeof subject !== 'string' || typeof body !== 'string' || typeof queue !== 'string') {
      throw new Error(`${path}:${i + 1}: expected {subject, body, queue} strings`);
    }
    if (!(LABELS as readonly string[]).includes(queue)) throw new Error(`${path}:${i + 1}: unknown queue ${queue}`);
    tickets.push({ subject, body, queue: queue as TicketQueue });
  });
  return { tickets, sha256: createHash('sha256').update(text).digest('hex') };
}
