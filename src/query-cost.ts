// The query cost limit: how many objects an operation could return at most.
//
// Every object-typed field costs the number of objects it can return, times
// everything selected inside it. A paged field (`first`/`last`) returns that
// many (its default page without them), and so does the `edges` list of the
// connection it returns; other lists count LIST_SIZES or DEFAULT_LIST_SIZE.
// Scalars are free. Of a union's or interface's inline fragments only the
// costliest member counts, since an object is one member. Arguments are read
// after variable coercion, so `first: $n` costs what `$n` is.
import {
  GraphQLError,
  Kind,
  getArgumentValues,
  getNamedType,
  getNullableType,
  isAbstractType,
  isCompositeType,
  isListType,
  isObjectType,
  typeFromAST,
  type DocumentNode,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** The most objects one operation may ask for. */
export const MAX_COST = 10_000;

/** A page without `first`/`last` (Pothos's default connection size). */
export const DEFAULT_PAGE_SIZE = 20;
/** An unpaged list not in LIST_SIZES. */
export const DEFAULT_LIST_SIZE = 20;

/** Unpaged lists whose size is known to be small (or capped): `Type.field` → the most items. */
export const LIST_SIZES: Record<string, number> = {
  'Interview.participants': 2,
  'Interview.readReceipts': 2,
  'Interview.feedback': 2,
  'RolesSwappedData.roles': 2,
  'WaitingRoom.byDifficulty': 3,
  'WaitingRoomEvent.byDifficulty': 3,
  'InterviewStats.completedByType': 2,
  'Query.availablePeers': 100,
};

export interface Cost {
  cost: number;
  limit: number;
}

/** Costs that no variable can change, per schema and operation node (yoga's parse cache hands out the same nodes). */
const fixedCosts = new WeakMap<GraphQLSchema, WeakMap<OperationDefinitionNode, number>>();

export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): number {
  let known = fixedCosts.get(schema);
  const fixed = known?.get(operation);
  if (fixed !== undefined) return fixed;
  // Set when a page size comes from a variable: then the cost is this request's alone.
  let varies = false;
  const fragments = new Map(
    document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])),
  );
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;

  /** The field nodes that apply to `type`, by response key, through fragments. */
  function collect(
    selectionSet: SelectionSetNode,
    type: GraphQLObjectType,
    into: Map<string, SelectionSetNode[]>,
    nodes: Map<string, FieldNode>,
  ) {
    for (const sel of selectionSet.selections) {
      if (sel.kind === Kind.FIELD) {
        const key = sel.alias?.value ?? sel.name.value;
        if (!nodes.has(key)) nodes.set(key, sel);
        if (sel.selectionSet) into.set(key, [...(into.get(key) ?? []), sel.selectionSet]);
        else if (!into.has(key)) into.set(key, []);
      } else {
        const fragment = sel.kind === Kind.FRAGMENT_SPREAD ? fragments.get(sel.name.value) : sel;
        if (!fragment) continue;
        const condition = fragment.typeCondition ? typeFromAST(schema, fragment.typeCondition) : type;
        const applies =
          condition === type || (condition && isAbstractType(condition) && schema.isSubType(condition, type));
        if (applies) collect(fragment.selectionSet, type, into, nodes);
      }
    }
  }

  function selectionCost(
    selectionSets: SelectionSetNode[],
    type: GraphQLCompositeType,
    pageSize: number | null,
  ): number {
    const members = isAbstractType(type) ? schema.getPossibleTypes(type) : isObjectType(type) ? [type] : [];
    let most = 0;
    for (const member of members) {
      const merged = new Map<string, SelectionSetNode[]>();
      const nodes = new Map<string, FieldNode>();
      for (const set of selectionSets) collect(set, member, merged, nodes);
      let sum = 0;
      for (const [key, subSets] of merged) {
        const node = nodes.get(key)!;
        if (node.name.value.startsWith('__')) continue; // __typename, and introspection (its own limits apply)
        const field = member.getFields()[node.name.value];
        if (!field) continue;
        sum += fieldCost(member, field, node, subSets, pageSize);
      }
      most = Math.max(most, sum);
    }
    return most;
  }

  function fieldCost(
    parent: GraphQLObjectType,
    field: GraphQLField<unknown, unknown>,
    node: FieldNode,
    subSets: SelectionSetNode[],
    pageSize: number | null,
  ): number {
    const named = getNamedType(field.type);
    if (!isCompositeType(named)) return 0;
    const paged = field.args.some((a) => a.name === 'first' || a.name === 'last');
    let count = 1;
    let innerPage: number | null = null;
    if (paged) {
      varies ||= node.arguments?.some((a) => a.value.kind === Kind.VARIABLE) ?? false;
      const args = safeArgs(field, node, variables);
      const asked = Math.max(numberOr(args['first'], 0), numberOr(args['last'], 0));
      innerPage = asked > 0 ? asked : DEFAULT_PAGE_SIZE;
    }
    if (isListType(getNullableType(field.type))) {
      count =
        LIST_SIZES[`${parent.name}.${field.name}`] ??
        (field.name === 'edges' || field.name === 'nodes' ? pageSize : null) ??
        innerPage ??
        DEFAULT_LIST_SIZE;
    }
    return count * (1 + selectionCost(subSets, named, innerPage));
  }

  const cost = selectionCost([operation.selectionSet], root, null);
  if (!varies) {
    if (!known) fixedCosts.set(schema, (known = new WeakMap()));
    known.set(operation, cost);
  }
  return cost;
}

function numberOr(value: unknown, fallback: number) {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** Arguments as the resolver will see them; invalid ones fail later with their own error, so count them as absent. */
function safeArgs(field: GraphQLField<unknown, unknown>, node: FieldNode, variables: Record<string, unknown>) {
  try {
    return getArgumentValues(field, node, variables);
  } catch {
    return {};
  }
}

/** Null when within the limit; otherwise the client error to answer with. */
export function costError(cost: number, limit = MAX_COST): GraphQLError | null {
  if (cost <= limit) return null;
  return new GraphQLError(
    `This operation could return up to ${Math.ceil(cost)} objects; the limit is ${limit}. Ask for smaller pages (first/last) or fewer nested lists.`,
    { extensions: { code: 'BAD_USER_INPUT', cost: Math.ceil(cost), limit } },
  );
}
