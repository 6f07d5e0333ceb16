import { describe, expect, it } from 'vitest';
import { type ConfigError, parseConfig } from '../config.js';
import { tracingSettings } from './config.js';

const settingsOf = (env: Record<string, string>) => tracingSettings(parseConfig({ NODE_ENV: 'test', ...env }));

describe('tracingSettings', () => {
  it('is off unless asked for, and OTEL_SDK_DISABLED or OTEL_TRACES_EXPORTER=none keep it off', () => {
    expect(settingsOf({})).toBeNull();
    expect(settingsOf({ OTEL_SERVICE_NAME: 'x', OTEL_TRUST_INCOMING_TRACE: 'true' })).toBeNull();
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(settingsOf({ ...endpoint, OTEL_SDK_DISABLED: 'true' })).toBeNull();
    expect(settingsOf({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' })).toBeNull();
  });

  it('sends to the signal endpoint as given, or the general one with /v1/traces, or localhost', () => {
    expect(settingsOf({ OTEL_TRACES_EXPORTER: 'otlp' })?.url).toBe('http://localhost:4318/v1/traces');
    expect(settingsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com/base/' })?.url).toBe(
      'https://otel.example.com/base/v1/traces',
    );
    expect(
      settingsOf({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/in',
      })?.url,
    ).toBe('https://traces.example.com/in');
  });

  it('reads headers (signal ones win, values percent-decoded), timeout, sampler and batch settings', () => {
    const s = settingsOf({
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc,x-team=gw',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-team=traces',
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '2500',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_BSP_MAX_QUEUE_SIZE: '100',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod',
    });
    expect(s).toMatchObject({
      headers: { authorization: 'Bearer abc', 'x-team': 'traces' },
      timeoutMs: 2500,
      sampler: 'parentbased_traceidratio',
      ratio: 0.25,
      resourceAttributes: { 'deployment.environment': 'prod' },
      batch: { maxQueueSize: 100, maxExportBatchSize: 100 },
      trustIncoming: 'false',
    });
  });

  it('refuses what it cannot do at boot, never echoing header values', () => {
    const fail = (env: Record<string, string>) => {
      try {
        parseConfig({ NODE_ENV: 'test', ...env });
      } catch (err) {
        return (err as ConfigError).issues.join('\n');
      }
      throw new Error('parseConfig accepted it');
    };
    expect(fail({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toMatch(
      /OTEL_EXPORTER_OTLP_PROTOCOL must be one of http\/json/,
    );
    expect(fail({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toMatch(/OTEL_EXPORTER_OTLP_ENDPOINT/);
    expect(fail({ OTEL_TRACES_SAMPLER_ARG: '2' })).toMatch(/OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1/);
    const headers = fail({ OTEL_EXPORTER_OTLP_HEADERS: 'Bearer s3cr3t-value' });
    expect(headers).toMatch(/OTEL_EXPORTER_OTLP_HEADERS/);
    expect(headers).not.toContain('s3cr3t');
  });
});
