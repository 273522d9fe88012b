/**
 * Confluent wire format (magic byte 0, big-endian 4-byte schema id, Avro body), with the
 * schemas registered under TopicNameStrategy subjects (`<topic>-value`) and compatibility
 * BACKWARD. Readers resolve older writer schemas fetched by id against ours.
 */
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { RegistryError, SerdeError } from '../errors.ts';
import type { DetectorBatch } from '../model.ts';
import type { Logger } from '../observability/logger.ts';
import { avroType, RECORD_KINDS, schemaText } from './avro-types.ts';
import type { RecordKind, RecordTypes, Serde } from './port.ts';
import { decodeBody, encodeFramed } from './single-object-serde.ts';

const HEADER_LENGTH = 5;

export interface RegistrySerdeOptions {
  url: string;
  username?: string;
  password?: string;
  /** Subject of each record kind, e.g. { alert: 'netsentinel.alerts-value', ... }. */
  subjects: Record<RecordKind, string>;
  logger: Logger;
}

export class RegistrySerde implements Serde {
  private readonly registry: SchemaRegistry;
  private readonly headers = new Map<RecordKind, Buffer>();
  /** Resolvers from writer schema ids to our reader types (undefined = same schema). */
  private readonly resolvers = new Map<string, avro.Resolver | null>();

  constructor(private readonly options: RegistrySerdeOptions) {
    this.registry = new SchemaRegistry({
      host: options.url,
      auth: options.username ? { username: options.username, password: options.password ?? '' } : undefined,
      retry: { retries: 3 },
    });
  }

  async init(): Promise<void> {
    for (const kind of RECORD_KINDS) {
      const subject = this.options.subjects[kind];
      let id: number;
      try {
        // Set the subject's compatibility first: registries differ in what they answer for a
        // subject without its own setting (Confluent 404, Apicurio the global level).
        await this.putSubjectCompatibility(subject, 'BACKWARD');
        ({ id } = await this.registry.register({ type: SchemaType.AVRO, schema: schemaText(kind) }, { subject, compatibility: COMPATIBILITY.BACKWARD }));
      } catch (err) {
        throw new RegistryError(`schema registry ${this.options.url}: cannot register ${subject}: ${describe(err)}`, { cause: err });
      }
      const header = Buffer.alloc(HEADER_LENGTH);
      header.writeUInt32BE(id, 1);
      this.headers.set(kind, header);
      this.resolvers.set(`${kind}:${id}`, null);
      this.options.logger.debug({ subject, id }, 'schema registered');
    }
  }

  private async putSubjectCompatibility(subject: string, compatibility: string): Promise<void> {
    const headers: Record<string, string> = { 'content-type': 'application/vnd.schemaregistry.v1+json' };
    if (this.options.username) headers.authorization = `Basic ${Buffer.from(`${this.options.username}:${this.options.password ?? ''}`).toString('base64')}`;
    const response = await fetch(`${this.options.url.replace(/\/$/, '')}/config/${encodeURIComponent(subject)}`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ compatibility }),
    });
    if (!response.ok) throw new Error(`PUT /config/${subject} answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
  }

  /** The registry id our schema of this kind was registered under (after init). */
  schemaId(kind: RecordKind): number {
    return this.header(kind).readUInt32BE(1);
  }

  encode<K extends RecordKind>(kind: K, record: RecordTypes[K]): Buffer {
    return encodeFramed(avroType(kind), record, kind, this.header(kind));
  }

  async decode<K extends RecordKind>(kind: K, value: Buffer): Promise<RecordTypes[K]> {
    return decodeBody(avroType(kind), value, HEADER_LENGTH, kind, await this.resolverOf(kind, value)) as RecordTypes[K];
  }

  async decodeDetectorBatch(value: Buffer): Promise<DetectorBatch> {
    return decodeBody(avroType('packetBatch'), value, HEADER_LENGTH, 'packetBatch', await this.resolverOf('packetBatch', value), 'detector') as DetectorBatch;
  }

  /** The resolver from the writer's schema of a framed `kind` record, undefined when it is ours (after its checks). */
  private async resolverOf(kind: RecordKind, value: Buffer): Promise<avro.Resolver | undefined> {
    if (value.length < HEADER_LENGTH || value[0] !== 0) {
      throw new SerdeError(`${kind}: not in the schema registry wire format (expected magic byte 0 at offset 0, got ${value.length ? `0x${value[0].toString(16)}` : 'an empty message'})`);
    }
    const id = value.readUInt32BE(1);
    const key = `${kind}:${id}`;
    let resolver = this.resolvers.get(key);
    if (resolver === undefined) resolver = await this.resolverFor(kind, id);
    return resolver ?? undefined;
  }

  private async resolverFor(kind: RecordKind, id: number): Promise<avro.Resolver> {
    let writerSchema: string;
    try {
      writerSchema = await this.registry.getSchema(id).then((schema) => JSON.stringify((schema as unknown as avro.Type).schema()));
    } catch (err) {
      throw new SerdeError(`${kind}: schema id ${id} is unknown to the registry ${this.options.url}: ${describe(err)}`, { cause: err });
    }
    let resolver: avro.Resolver;
    try {
      resolver = avroType(kind).createResolver(avro.Type.forSchema(JSON.parse(writerSchema) as avro.Schema));
    } catch (err) {
      throw new SerdeError(`${kind}: schema id ${id} cannot be read as ${kind}: ${describe(err)}`, { cause: err });
    }
    this.resolvers.set(`${kind}:${id}`, resolver);
    return resolver;
  }

  private header(kind: RecordKind): Buffer {
    const header = this.headers.get(kind);
    if (!header) throw new RegistryError(`${kind}: schema not registered yet (call init() first)`);
    return header;
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
