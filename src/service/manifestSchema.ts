/** JSON Schema of a service manifest (docs/api.md); validated by src/service/manifest.ts. */
export const manifestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'version', 'kind', 'cameras', 'codecs', 'module'],
  properties: {
    name: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,63}$' },
    version: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+(?:-[0-9A-Za-z.-]+)?$' },
    kind: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,63}$' },
    cameras: { type: 'array', uniqueItems: true, items: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,63}$' } },
    codecs: { type: 'array', uniqueItems: true, items: { enum: ['jpeg', 'h264'] } },
    module: { type: 'string', minLength: 1 },
    signals: { type: 'array', uniqueItems: true, items: { type: 'string', pattern: '^Vehicle\\.[A-Za-z0-9.]+$' } },
    records: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,63}/[a-z][a-z0-9-]{0,63}$' } },
    recordsBatchMs: { type: 'integer', minimum: 0, maximum: 1000 },
  },
  // A service streams (a camera and a codec at least) or views streams (`records`), or both.
  anyOf: [
    { type: 'object', required: ['records'], properties: { records: { type: 'array' } } },
    { type: 'object', properties: { cameras: { type: 'array', minItems: 1 }, codecs: { type: 'array', minItems: 1 } } },
  ],
} as const;
