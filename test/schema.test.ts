import { readFile } from 'node:fs/promises';

import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isUnionType,
  printSchema,
  type GraphQLNamedType,
} from 'graphql';
import { describe, expect, it } from 'vitest';

import { schema } from '../src/schema/index.ts';

const ownTypes = Object.values(schema.getTypeMap()).filter((type) => !type.name.startsWith('__') && !['String', 'Boolean', 'Int', 'Float', 'ID'].includes(type.name));

describe('the schema', () => {
  it('is printed, up to date, in schema.graphql', async () => {
    const committed = await readFile(new URL('../schema.graphql', import.meta.url), 'utf8');
    expect(committed, 'schema.graphql is stale: run "npm run schema:print"').toBe(`${printSchema(schema)}\n`);
  });

  it('describes every type, field, argument and enum value', () => {
    const missing: string[] = [];
    const check = (where: string, description: string | null | undefined) => {
      if (!description?.trim()) missing.push(where);
    };
    for (const type of ownTypes as GraphQLNamedType[]) {
      check(type.name, type.description);
      if (isObjectType(type) || isInterfaceType(type)) {
        for (const field of Object.values(type.getFields())) {
          check(`${type.name}.${field.name}`, field.description);
          for (const arg of field.args) check(`${type.name}.${field.name}(${arg.name})`, arg.description);
        }
      }
      if (isInputObjectType(type)) for (const field of Object.values(type.getFields())) check(`${type.name}.${field.name}`, field.description);
      if (isEnumType(type)) for (const value of type.getValues()) check(`${type.name}.${value.name}`, value.description);
    }
    expect(missing).toEqual([]);
  });

  it('lets one selection cover every member of a union: same-named fields have the same type', () => {
    const conflicts: string[] = [];
    for (const type of ownTypes) {
      if (!isUnionType(type)) continue;
      const seen = new Map<string, string>();
      for (const member of type.getTypes()) {
        for (const field of Object.values(member.getFields())) {
          const printed = String(field.type);
          const previous = seen.get(field.name);
          if (previous !== undefined && previous !== printed) conflicts.push(`${type.name}: ${field.name} is ${previous} and ${printed}`);
          seen.set(field.name, printed);
        }
      }
    }
    expect(conflicts).toEqual([]);
  });

  it('follows GraphQL naming: camelCase fields and SCREAMING_SNAKE enum values', () => {
    for (const type of ownTypes) {
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const name of Object.keys(type.getFields())) expect(name).toMatch(/^[a-z][a-zA-Z0-9]*$/);
      }
      if (isEnumType(type)) for (const value of type.getValues()) expect(value.name).toMatch(/^[A-Z][A-Z0-9_]*$/);
    }
  });

  it('has the enums of the domain in full', () => {
    const values = (name: string) => (schema.getType(name) as import('graphql').GraphQLEnumType).getValues().map((value) => value.name);
    expect(values('StopReason')).toHaveLength(13);
    expect(values('StepStatus')).toEqual(['CANCELLED', 'FAILED', 'PENDING', 'SUCCESS']);
    expect(values('StepFeedback')).toEqual(['NEGATIVE', 'POSITIVE']);
    expect(values('MessageRole')).toHaveLength(7);
    expect((schema.getType('MessageContent') as import('graphql').GraphQLUnionType).getTypes()).toHaveLength(8);
    expect(getNamedType(schema.getQueryType()!.getFields().node!.type).name).toBe('Node');
  });
});
