import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import description from '../../src/api/openapi.json' with { type: 'json' };

type Json = Record<string, unknown>;

/** An answer as the test received it. */
export interface Answer {
  status: number;
  headers: Headers;
  body: Buffer;
}

const components = description.components as unknown as {
  schemas: Json;
  headers: Record<string, { required?: boolean; schema: Json }>;
};
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats.default(ajv);
const compiled = new Map<unknown, ValidateFunction>();

/** A schema from the description, standalone: its `#/components/schemas/…` references point at `$defs`. */
function validator(schema: unknown): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    const text = JSON.stringify(schema).replaceAll('"#/components/schemas/', '"#/$defs/');
    const defs = JSON.parse(
      JSON.stringify(components.schemas).replaceAll('"#/components/schemas/', '"#/$defs/'),
    );
    validate = ajv.compile({ ...(JSON.parse(text) as Json), $defs: defs });
    compiled.set(schema, validate);
  }
  return validate;
}

function problems(validate: ValidateFunction, value: unknown): string[] {
  return validate(value)
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

function resolveHeader(spec: unknown): { required?: boolean; schema: Json } {
  const ref = (spec as { $ref?: string }).$ref;
  if (!ref) return spec as { required?: boolean; schema: Json };
  const found = components.headers[ref.replace('#/components/headers/', '')];
  if (!found) throw new Error(`unresolved header reference ${ref}`);
  return found;
}

type Operation = { responses: Record<string, Json> };

export function operation(path: string, method: string): Operation {
  const item = (description.paths as Record<string, Record<string, Operation> | undefined>)[path];
  const found = item?.[method.toLowerCase()];
  if (!found) throw new Error(`${method} ${path} is not in the description`);
  return found;
}

/** Every way the answer departs from what the description says of it: status, headers, media type, body. */
export function departures(path: string, method: string, answer: Answer): string[] {
  const response = operation(path, method).responses[String(answer.status)] as
    { headers?: Record<string, unknown>; content?: Record<string, { schema: unknown }> } | undefined;
  if (!response) return [`status ${answer.status} is not described`];
  const found: string[] = [];
  for (const [name, spec] of Object.entries(response.headers ?? {})) {
    const header = resolveHeader(spec);
    const value = answer.headers.get(name);
    if (value === null) {
      if (header.required) found.push(`header ${name} is missing`);
      continue;
    }
    found.push(...problems(validator(header.schema), value).map((p) => `header ${name}: ${p} (${value})`));
  }
  if (!response.content) return found;
  const contentType = answer.headers.get('content-type') ?? '';
  const mediaType = contentType.split(';')[0]?.trim() ?? '';
  const media = response.content[mediaType] ?? response.content['*/*'];
  if (!media) return [...found, `media type ${contentType} is not described`];
  if (mediaType === 'application/json') {
    let body: unknown;
    try {
      body = JSON.parse(answer.body.toString('utf8'));
    } catch {
      return [...found, 'the body is not JSON'];
    }
    found.push(
      ...problems(validator(media.schema), body).map((p) => `body ${p}: ${answer.body.toString('utf8')}`),
    );
  }
  return found;
}

/** Every (method, path, status) the description names. */
export function describedResponses(): string[] {
  const all: string[] = [];
  for (const [path, item] of Object.entries(description.paths as Record<string, Record<string, Operation>>)) {
    for (const [method, op] of Object.entries(item)) {
      for (const status of Object.keys(op.responses)) all.push(`${method.toUpperCase()} ${path} ${status}`);
    }
  }
  return all;
}
