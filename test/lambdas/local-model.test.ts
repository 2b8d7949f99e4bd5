import { describe, expect, it } from 'vitest';
import { TICKET_QUEUES, type TicketQueue } from '../../domain/tickets.js';
import {
  extractTerms,
  featurize,
  type LocalModel,
  LocalTicketClassifier,
  ngrams,
  parseModel,
  readModelFile,
  softmax,
  tokenize,
} from '../../lambdas/triage/local-model/index.js';
import model from '../../lambdas/triage/local-model/model.json' with { type: 'json' };
import report from '../../training/report.json' with { type: 'json' };

// Written for these tests; none of them is in training/tickets.jsonl.
const CLEAR: Record<TicketQueue, { subject: string; body: string }> = {
  billing: {
    subject: 'Refund for duplicate charge on my credit card',
    body: 'Your invoice for October was charged to my card twice, 2 x $99. Please refund one of the payments and send a corrected invoice.',
  },
  technical: {
    subject: 'API error 500 when calling the webhooks endpoint',
    body: 'Since this morning every request to the API returns a 500 error and our integration is broken. The sync job times out too. Is there an outage?',
  },
  account: {
    subject: 'Cannot reset my password',
    body: 'I forgot my password and the reset email never arrives, so I cannot log in to my account. Could you help me get back into my account?',
  },
  security: {
    subject: 'Phishing email pretending to be your company',
    body: 'We received a phishing email with a fake login page asking for our password. I think one account may be compromised and there was suspicious activity from an unknown IP.',
  },
  feedback: {
    subject: 'Feature request: please add a dark mode',
    body: 'Love the product! It would be great if you could add a dark mode and a way to customise the dashboard. Just a suggestion, thanks for listening.',
  },
};

describe('LocalTicketClassifier', () => {
  const classifier = new LocalTicketClassifier();

  it('classifies a clear example of each queue correctly', async () => {
    for (const queue of TICKET_QUEUES) {
      const result = await classifier.classify(CLEAR[queue]);
      expect(result.queue, CLEAR[queue].subject).toBe(queue);
      expect(result.confidence, CLEAR[queue].subject).toBeGreaterThanOrEqual(0.7);
    }
  });

  it('names the model local-logreg@ and its content hash', async () => {
    const result = await classifier.classify(CLEAR.billing);
    expect(result.model).toBe(`local-logreg@${model.version}`);
    expect(model.version).toMatch(/^[0-9a-f]{12}$/);
  });

  it('returns a confidence in [0, 1] that is lower for an off-topic ticket than for a clear one', async () => {
    const clear = await classifier.classify(CLEAR.technical);
    expect(clear.confidence).toBeLessThanOrEqual(1);
    const offTopic = [
      { subject: 'hello', body: '' },
      { subject: 'asdf qwerty', body: 'zxcv' },
      { subject: '', body: '' },
      { subject: 'Quick question', body: 'Can you call me back tomorrow?' },
    ];
    for (const ticket of offTopic) {
      const result = await classifier.classify(ticket);
      expect(result.confidence).toBeGreaterThanOrEqual(0);
      expect(result.confidence).toBeLessThanOrEqual(1);
      expect(result.confidence, JSON.stringify(ticket)).toBeLessThan(clear.confidence);
      // Below the triage flow's default threshold: a person decides.
      expect(result.confidence, JSON.stringify(ticket)).toBeLessThan(0.7);
    }
  });

  it('falls back to the training label frequencies when no word of the ticket is known', async () => {
    const result = await classifier.classify({ subject: 'asdf qwerty', body: 'zxcv 🙂' });
    expect(result.confidence).toBeCloseTo(Math.max(...model.priors), 6);
    expect(result.confidence).toBeLessThan(0.25);
  });

  it('is less sure of an ambiguous ticket than of a clear one', async () => {
    // Billing and account in one breath; the dataset labels this kind of ticket billing.
    const ambiguous = await classifier.classify({
      subject: 'charged again',
      body: 'I was charged again after I could not log in and reset my password',
    });
    const clear = await classifier.classify(CLEAR.billing);
    expect(ambiguous.confidence).toBeLessThan(clear.confidence - 0.1);
  });

  it('returns probabilities over every queue that sum to one', () => {
    const probabilities = classifier.probabilities(CLEAR.security);
    expect(probabilities.map((p) => p.queue)).toEqual([...TICKET_QUEUES]);
    const total = probabilities.reduce((sum, p) => sum + p.probability, 0);
    expect(total).toBeCloseTo(1, 10);
    const best = probabilities.reduce((a, b) => (b.probability > a.probability ? b : a));
    expect(best.queue).toBe('security');
  });

  it('is deterministic', async () => {
    const ticket = { subject: 'Invoice shows wrong VAT', body: 'Our VAT ID is missing from the invoice, please reissue it.' };
    const first = await classifier.classify(ticket);
    for (let i = 0; i < 5; i++) expect(await classifier.classify(ticket)).toEqual(first);
    expect(await new LocalTicketClassifier().classify(ticket)).toEqual(first);
  });

  it('classifies a ticket in well under a millisecond', () => {
    const tickets = Object.values(CLEAR);
    const rounds = 200;
    const started = performance.now();
    for (let i = 0; i < rounds; i++) for (const t of tickets) classifier.classifySync(t);
    const perTicket = (performance.now() - started) / (rounds * tickets.length);
    expect(perTicket).toBeLessThan(1);
  });

  it('reads only the start of a very long ticket', async () => {
    const long = { subject: 'Refund please', body: `${CLEAR.billing.body} ${'lorem ipsum '.repeat(20_000)}` };
    const result = await classifier.classify(long);
    expect(result.queue).toBe('billing');
  });

  it('fails with ConfigError if the model file is not there (a function deployed for Bedrock ships none)', () => {
    expect(() => readModelFile('/no/such/dir/model.json')).toThrow(
      expect.objectContaining({ name: 'ConfigError', message: expect.stringContaining('/no/such/dir/model.json') }),
    );
  });

  it('refuses a model file made by a different tokenizer', () => {
    const tampered = { ...(model as unknown as LocalModel), tokenizer: 'v0' };
    expect(() => new LocalTicketClassifier(tampered)).toThrow(/tokenizer/);
    expect(() => parseModel({ ...(model as unknown as LocalModel), labels: ['billing', 'spam'] })).toThrow();
  });

  describe('tokenizer', () => {
    it('handles empty and punctuation-only strings', () => {
      expect(tokenize('')).toEqual([]);
      expect(tokenize('   ')).toEqual([]);
      expect(tokenize('?!... --- ***')).toEqual([]);
      expect(extractTerms({ subject: '', body: '' }).size).toBe(0);
      const empty = featurize(extractTerms({ subject: '', body: '' }), new Map([['a', 0]]), [1]);
      expect(empty).toEqual({ indices: [], values: [] });
    });

    it('lowercases, strips punctuation and apostrophes', () => {
      expect(tokenize("Can't log in!! Error: 500 (again)")).toEqual(['cant', 'log', 'in', 'error', '500', 'again']);
    });

    it('keeps unicode letters and normalises compatibility forms', () => {
      expect(tokenize('Grüße aus Zürich — São Paulo, Ελλάδα')).toEqual(['grüße', 'aus', 'zürich', 'são', 'paulo', 'ελλάδα']);
      // NFKC: a full-width 'ＡＰＩ' and a decomposed 'é' (e + combining acute) become 'api' and 'é'.
      expect(tokenize('ＡＰＩ cafe\u0301')).toEqual(['api', 'caf\u00e9']);
      expect(tokenize('請求書 エラー 🙂')).toEqual(['請求書', 'エラー']);
    });

    it('adds bigrams after the unigrams', () => {
      expect(ngrams(['reset', 'my', 'password'])).toEqual(['reset', 'my', 'password', 'reset my', 'my password']);
    });

    it('weights subject terms above body terms', () => {
      const terms = extractTerms({ subject: 'Refund', body: 'refund now' });
      expect(terms.get('refund')).toBe(3);
      expect(terms.get('refund now')).toBe(1);
    });
  });

  it('softmax is stable for large logits and sharpened by a temperature below one', () => {
    const p = softmax([1000, 999, 0]);
    expect(p.every(Number.isFinite)).toBe(true);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(softmax([2, 1], 0.5)[0]).toBeGreaterThan(softmax([2, 1], 1)[0] ?? 1);
  });
});

describe('training report', () => {
  it("model.json's labels equal TICKET_QUEUES", () => {
    expect(model.labels).toEqual([...TICKET_QUEUES]);
  });

  it('describes the model that is shipped', () => {
    expect(report.shippedModel.version).toBe(model.version);
    expect(report.shippedModel.temperature).toBe(model.temperature);
    expect(report.shippedModel.vocabularySize).toBe(model.vocabulary.length);
    expect(report.shippedModel.bytes).toBeLessThan(400_000);
  });

  it('reports calibrated, cross-validated figures', () => {
    const cv = report.crossValidation.calibrated;
    expect(cv.tickets).toBe(report.dataset.tickets);
    expect(cv.expectedCalibrationError).toBeLessThan(0.08);
    expect(cv.thresholds.map((t) => t.threshold)).toEqual([0.5, 0.6, 0.7, 0.8, 0.9]);
  });
});
