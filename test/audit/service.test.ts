import { describe, expect, it, vi } from 'vitest';
import type { Actor } from '../../src/domain/actor.js';
import { REDACTED } from '../../src/domain/audit.js';
import { createLogger } from '../../src/logger.js';
import { type AuditErrorLog, AuditService } from '../../src/services/audit.js';
import { AuditRepository } from '../../src/store/audit.js';
import { openDatabase } from '../../src/store/db.js';

const alice: Actor = { kind: 'slack', id: 'U1', name: 'alice' };
const at = new Date('2026-01-01T00:00:00.000Z');

function setup(options: { strict?: boolean } = {}) {
  const db = openDatabase(':memory:');
  const log = { error: vi.fn<AuditErrorLog['error']>() };
  const service = new AuditService(new AuditRepository(db), log, { ...options, now: () => at });
  return { db, log, service };
}

describe('AuditService', () => {
  it('records redacted details with the time and actor', () => {
    const { service } = setup();
    const entry = service.record(alice, 'definition.created', 'definition:pi', {
      template: { env: [{ name: 'API_TOKEN', value: 'abc' }] },
    });
    expect(entry).toMatchObject({
      id: 1,
      at: at.toISOString(),
      actor: alice,
      action: 'definition.created',
      target: 'definition:pi',
      details: { template: { env: [{ name: 'API_TOKEN', value: REDACTED }] } },
    });
    expect(service.query({ limit: 10, actorId: 'U1' })).toEqual([entry]);
  });

  it('does not fail the action when the write fails, and logs the whole entry instead', () => {
    const { db, log, service } = setup();
    db.close();
    expect(service.record(alice, 'dispatch.created', 'dispatch:7', { password: 'x', image: 'perl' })).toBe(
      undefined,
    );
    expect(log.error).toHaveBeenCalledWith(
      expect.objectContaining({
        auditLost: true,
        audit: expect.objectContaining({
          action: 'dispatch.created',
          target: 'dispatch:7',
          details: { password: REDACTED, image: 'perl' },
        }),
      }),
      'audit entry could not be recorded',
    );
  });

  it('rethrows in strict mode, set for the service or for one call', () => {
    const strict = setup({ strict: true });
    strict.db.close();
    expect(() => strict.service.record(alice, 'approval.granted', 'approval:1')).toThrow();
    const lenient = setup();
    lenient.db.close();
    expect(() =>
      lenient.service.record(alice, 'approval.granted', 'approval:1', {}, { strict: true }),
    ).toThrow();
    expect(lenient.log.error).toHaveBeenCalledOnce();
  });

  it('accepts a pino logger', () => {
    const db = openDatabase(':memory:');
    expect(new AuditService(new AuditRepository(db), createLogger('silent'))).toBeInstanceOf(AuditService);
  });
});
