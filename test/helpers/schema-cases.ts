import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isAbstractType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
} from 'graphql';

/**
 * Operations generated from the schema, for every argument of every field that takes any: each argument gets
 * values of every shape its type allows (omitted, null, each enum value, a single value where a list is
 * expected, input objects empty so that their defaults apply, with each field alone, and whole), sent three
 * ways: as a variable, as an omitted variable with a default in the operation, and inline.
 */
export interface SchemaCase {
  name: string;
  query: string;
  variables: Record<string, unknown>;
}

/** Values of named scalars (and of arguments or input fields, by name) that the fixtures make meaningful. */
export interface Samples {
  scalars: Record<string, unknown[]>;
  /** By argument or input field name: values that find real rows (ids, cursors, agent ids). */
  byName: Record<string, unknown[]>;
}

const MAX_SELECTION_DEPTH = 2;

/** Raw JSON values for an input type, as a client sends them (never undefined: "omitted" is handled apart). */
function valuesOf(type: GraphQLInputType, samples: Samples, name: string, depth = 0): unknown[] {
  if (isNonNullType(type)) return valuesOf(type.ofType, samples, name, depth).filter((value) => value !== null);
  const values: unknown[] = [null];
  if (isListType(type)) {
    const items = valuesOf(type.ofType, samples, name, depth).filter((value) => value !== null);
    values.push(items.slice(0, 1), items[0], items.slice(0, 2));
    if (!isNonNullType(type.ofType)) values.push([null]);
  } else if (isEnumType(type)) {
    values.push(...type.getValues().map((value) => value.name));
  } else if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields());
    values.push({});
    const whole: Record<string, unknown> = {};
    for (const field of fields) {
      const fieldValues = depth < 2 ? valuesOf(field.type, samples, field.name, depth + 1) : [];
      // Every enum value, else the first two (null first for a nullable field).
      const chosen = isEnumType(getNamedType(field.type)) ? fieldValues : fieldValues.slice(0, 3);
      for (const value of chosen) values.push({ [field.name]: value });
      const firstReal = fieldValues.find((value) => value !== null);
      if (firstReal !== undefined) whole[field.name] = firstReal;
    }
    values.push(whole);
  } else {
    values.push(...(samples.byName[name] ?? []), ...(samples.scalars[type.name] ?? []));
  }
  return values;
}

/** A GraphQL literal for a raw value of an input type (enum values unquoted, object keys bare). */
export function literal(type: GraphQLInputType, value: unknown): string {
  if (value === null) return 'null';
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    return Array.isArray(value) ? `[${value.map((item) => literal(nullable.ofType, item)).join(', ')}]` : literal(nullable.ofType, value);
  }
  if (isEnumType(nullable)) return String(value);
  if (isInputObjectType(nullable)) {
    const fields = nullable.getFields();
    return `{${Object.entries(value as object)
      .map(([key, field]) => `${key}: ${literal(fields[key]!.type, field)}`)
      .join(', ')}}`;
  }
  return untypedLiteral(value);
}

function untypedLiteral(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(untypedLiteral).join(', ')}]`;
  if (typeof value === 'object') return `{${Object.entries(value as object).map(([key, field]) => `${key}: ${untypedLiteral(field)}`).join(', ')}}`;
  return JSON.stringify(value);
}

/** A selection of a type's fields without required arguments, leaves first, `depth` levels down. */
function selectionOf(type: GraphQLOutputType, schema: GraphQLSchema, depth: number): string {
  const named = getNamedType(type);
  if (isLeafType(named)) return '';
  if (isAbstractType(named)) {
    const members = schema.getPossibleTypes(named).map((member) => `... on ${member.name} ${selectionOf(member, schema, depth) || '{ __typename }'}`);
    return `{ __typename ${depth > 0 ? members.join(' ') : ''} }`;
  }
  const fields = Object.values((named as GraphQLObjectType).getFields()).filter((field) => field.args.every((arg) => !isNonNullType(arg.type)));
  const parts = fields.flatMap((field) => {
    if (isLeafType(getNamedType(field.type))) return [field.name];
    if (depth === 0) return [];
    const inner = selectionOf(field.type, schema, depth - 1);
    return inner === '' ? [] : [`${field.name} ${inner}`];
  });
  return `{ __typename ${parts.join(' ')} }`;
}

/** How to reach a type from Query: the shortest path through fields that need no arguments, as text around a hole. */
function pathsTo(schema: GraphQLSchema): Map<string, (inner: string) => string> {
  const paths = new Map<string, (inner: string) => string>([[schema.getQueryType()!.name, (inner) => inner]]);
  const queue: GraphQLObjectType[] = [schema.getQueryType()!];
  while (queue.length > 0) {
    const type = queue.shift()!;
    const outer = paths.get(type.name)!;
    for (const field of Object.values(type.getFields())) {
      const target = getNamedType(field.type);
      if (!isObjectType(target) || paths.has(target.name) || field.args.some((arg) => isNonNullType(arg.type))) continue;
      // Small pages, so that nested lists stay small.
      const args = field.args.some((arg) => arg.name === 'first') ? '(first: 2)' : '';
      paths.set(target.name, (inner) => outer(`${field.name}${args} { __typename ${inner} }`));
      queue.push(target);
    }
  }
  return paths;
}

export function schemaCases(schema: GraphQLSchema, samples: Samples): SchemaCase[] {
  const cases: SchemaCase[] = [];
  const paths = pathsTo(schema);
  const targets: { operation: 'query' | 'mutation'; type: GraphQLObjectType; around: (inner: string) => string }[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    if (type === schema.getMutationType()) targets.push({ operation: 'mutation', type, around: (inner) => inner });
    else if (paths.has(type.name)) targets.push({ operation: 'query', type, around: paths.get(type.name)! });
  }
  for (const { operation, type, around } of targets) {
    for (const field of Object.values(type.getFields()) as GraphQLField<unknown, unknown>[]) {
      if (field.args.length === 0) continue;
      const selection = selectionOf(field.type, schema, MAX_SELECTION_DEPTH);
      for (const arg of field.args) {
        const others = field.args.filter((other) => other !== arg && isNonNullType(other.type));
        const otherArgs = others.map((other) => `${other.name}: ${literal(other.type, firstValue(other, samples))}`);
        const typeName = String(arg.type);
        const call = (value: string) => `${field.name}(${[`${arg.name}: ${value}`, ...otherArgs].join(', ')}) ${selection}`;
        const label = `${type.name}.${field.name}(${arg.name})`;
        const values = valuesOf(arg.type, samples, arg.name);
        for (const [index, value] of values.entries()) {
          const shown = JSON.stringify(value)?.slice(0, 80);
          cases.push({
            name: `${label} = ${shown} as a variable`,
            query: `${operation} Case${index}($v: ${typeName}) { ${around(call('$v'))} }`,
            variables: { v: value },
          });
          if (value !== null) {
            cases.push({
              name: `${label} = ${shown} as a variable's default`,
              query: `${operation} Case${index}($v: ${typeName} = ${literal(arg.type, value)}) { ${around(call('$v'))} }`,
              variables: {},
            });
          }
          cases.push({ name: `${label} = ${shown} inline`, query: `${operation} Case${index} { ${around(call(literal(arg.type, value)))} }`, variables: {} });
        }
        if (!isNonNullType(arg.type)) {
          cases.push({ name: `${label} omitted`, query: `${operation} Omitted($v: ${typeName}) { ${around(call('$v'))} }`, variables: {} });
        }
      }
    }
  }
  return cases;
}

function firstValue(arg: GraphQLArgument, samples: Samples): unknown {
  return valuesOf(arg.type, samples, arg.name).find((value) => value !== null);
}
