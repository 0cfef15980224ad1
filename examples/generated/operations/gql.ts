/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "fragment MessageParts on Message {\n  id\n  role\n  createdAt\n  content {\n    __typename\n    ... on TextContent {\n      text\n    }\n    ... on ImageContent {\n      source {\n        __typename\n        ... on UrlImageSource {\n          url\n        }\n        ... on Base64ImageSource {\n          mediaType\n        }\n        ... on LettaImageSource {\n          fileId\n        }\n      }\n    }\n    ... on ToolCallContent {\n      id\n      name\n      input\n    }\n    ... on ToolReturnContent {\n      toolCallId\n      content\n      isError\n    }\n    ... on ReasoningContent {\n      reasoning\n      isNative\n      signature\n    }\n    ... on RedactedReasoningContent {\n      data\n    }\n    ... on OmittedReasoningContent {\n      signature\n    }\n    ... on SummarizedReasoningContent {\n      summary {\n        index\n        text\n      }\n    }\n  }\n}\n\nfragment StepSummary on Step {\n  id\n  agentId\n  model\n  status\n  stopReason\n  feedback\n  tags\n  totalTokens\n  createdAt\n}\n\nquery AgentSteps($agentId: String, $first: Int!, $after: String, $messages: Int = 20) {\n  steps(first: $first, after: $after, filter: {agentId: $agentId}) {\n    totalCount\n    totalCountIsExact\n    pageInfo {\n      endCursor\n      hasNextPage\n    }\n    edges {\n      cursor\n      node {\n        ...StepSummary\n        messages(first: $messages) {\n          nodes {\n            ...MessageParts\n          }\n        }\n      }\n    }\n  }\n}\n\nmutation GiveFeedback($input: SetStepFeedbackInput!) {\n  setStepFeedback(input: $input) {\n    step {\n      id\n      feedback\n      tags\n    }\n  }\n}": typeof types.MessagePartsFragmentDoc,
};
const documents: Documents = {
    "fragment MessageParts on Message {\n  id\n  role\n  createdAt\n  content {\n    __typename\n    ... on TextContent {\n      text\n    }\n    ... on ImageContent {\n      source {\n        __typename\n        ... on UrlImageSource {\n          url\n        }\n        ... on Base64ImageSource {\n          mediaType\n        }\n        ... on LettaImageSource {\n          fileId\n        }\n      }\n    }\n    ... on ToolCallContent {\n      id\n      name\n      input\n    }\n    ... on ToolReturnContent {\n      toolCallId\n      content\n      isError\n    }\n    ... on ReasoningContent {\n      reasoning\n      isNative\n      signature\n    }\n    ... on RedactedReasoningContent {\n      data\n    }\n    ... on OmittedReasoningContent {\n      signature\n    }\n    ... on SummarizedReasoningContent {\n      summary {\n        index\n        text\n      }\n    }\n  }\n}\n\nfragment StepSummary on Step {\n  id\n  agentId\n  model\n  status\n  stopReason\n  feedback\n  tags\n  totalTokens\n  createdAt\n}\n\nquery AgentSteps($agentId: String, $first: Int!, $after: String, $messages: Int = 20) {\n  steps(first: $first, after: $after, filter: {agentId: $agentId}) {\n    totalCount\n    totalCountIsExact\n    pageInfo {\n      endCursor\n      hasNextPage\n    }\n    edges {\n      cursor\n      node {\n        ...StepSummary\n        messages(first: $messages) {\n          nodes {\n            ...MessageParts\n          }\n        }\n      }\n    }\n  }\n}\n\nmutation GiveFeedback($input: SetStepFeedbackInput!) {\n  setStepFeedback(input: $input) {\n    step {\n      id\n      feedback\n      tags\n    }\n  }\n}": types.MessagePartsFragmentDoc,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment MessageParts on Message {\n  id\n  role\n  createdAt\n  content {\n    __typename\n    ... on TextContent {\n      text\n    }\n    ... on ImageContent {\n      source {\n        __typename\n        ... on UrlImageSource {\n          url\n        }\n        ... on Base64ImageSource {\n          mediaType\n        }\n        ... on LettaImageSource {\n          fileId\n        }\n      }\n    }\n    ... on ToolCallContent {\n      id\n      name\n      input\n    }\n    ... on ToolReturnContent {\n      toolCallId\n      content\n      isError\n    }\n    ... on ReasoningContent {\n      reasoning\n      isNative\n      signature\n    }\n    ... on RedactedReasoningContent {\n      data\n    }\n    ... on OmittedReasoningContent {\n      signature\n    }\n    ... on SummarizedReasoningContent {\n      summary {\n        index\n        text\n      }\n    }\n  }\n}\n\nfragment StepSummary on Step {\n  id\n  agentId\n  model\n  status\n  stopReason\n  feedback\n  tags\n  totalTokens\n  createdAt\n}\n\nquery AgentSteps($agentId: String, $first: Int!, $after: String, $messages: Int = 20) {\n  steps(first: $first, after: $after, filter: {agentId: $agentId}) {\n    totalCount\n    totalCountIsExact\n    pageInfo {\n      endCursor\n      hasNextPage\n    }\n    edges {\n      cursor\n      node {\n        ...StepSummary\n        messages(first: $messages) {\n          nodes {\n            ...MessageParts\n          }\n        }\n      }\n    }\n  }\n}\n\nmutation GiveFeedback($input: SetStepFeedbackInput!) {\n  setStepFeedback(input: $input) {\n    step {\n      id\n      feedback\n      tags\n    }\n  }\n}"): (typeof documents)["fragment MessageParts on Message {\n  id\n  role\n  createdAt\n  content {\n    __typename\n    ... on TextContent {\n      text\n    }\n    ... on ImageContent {\n      source {\n        __typename\n        ... on UrlImageSource {\n          url\n        }\n        ... on Base64ImageSource {\n          mediaType\n        }\n        ... on LettaImageSource {\n          fileId\n        }\n      }\n    }\n    ... on ToolCallContent {\n      id\n      name\n      input\n    }\n    ... on ToolReturnContent {\n      toolCallId\n      content\n      isError\n    }\n    ... on ReasoningContent {\n      reasoning\n      isNative\n      signature\n    }\n    ... on RedactedReasoningContent {\n      data\n    }\n    ... on OmittedReasoningContent {\n      signature\n    }\n    ... on SummarizedReasoningContent {\n      summary {\n        index\n        text\n      }\n    }\n  }\n}\n\nfragment StepSummary on Step {\n  id\n  agentId\n  model\n  status\n  stopReason\n  feedback\n  tags\n  totalTokens\n  createdAt\n}\n\nquery AgentSteps($agentId: String, $first: Int!, $after: String, $messages: Int = 20) {\n  steps(first: $first, after: $after, filter: {agentId: $agentId}) {\n    totalCount\n    totalCountIsExact\n    pageInfo {\n      endCursor\n      hasNextPage\n    }\n    edges {\n      cursor\n      node {\n        ...StepSummary\n        messages(first: $messages) {\n          nodes {\n            ...MessageParts\n          }\n        }\n      }\n    }\n  }\n}\n\nmutation GiveFeedback($input: SetStepFeedbackInput!) {\n  setStepFeedback(input: $input) {\n    step {\n      id\n      feedback\n      tags\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;