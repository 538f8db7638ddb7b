// API errors: one exception type that handlers throw, and the table of error codes
// with the HTTP status each service answers them with (aws-api.md §1.2). The code is
// what clients match on (the SDKs build exception classes from it, the CLI waiters
// stop on it), so codes here are verbatim, including AWS's inconsistencies
// (`CacheClusterNotFound` but `CacheSubnetGroupNotFoundFault`).

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** Overrides the status from the table (rarely needed). */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** HTTP status per error code; anything not listed is 400. */
const STATUS: Record<string, number> = {
  CacheClusterNotFound: 404,
  ReplicationGroupNotFoundFault: 404,
  CacheParameterGroupNotFound: 404,
  CacheSecurityGroupNotFound: 404,
  SnapshotNotFoundFault: 404,
  UserNotFound: 404,
  UserGroupNotFound: 404,
  InvalidClientTokenId: 403,
  SignatureDoesNotMatch: 403,
  MissingAuthenticationToken: 403,
  IncompleteSignature: 400,
  AuthFailure: 401,
  UnauthorizedOperation: 403,
  RequestEntityTooLarge: 413,
  InternalFailure: 500,
  InternalError: 500,
  ServiceUnavailable: 503,
};

export function statusOf(err: ApiError): number {
  return err.status ?? STATUS[err.code] ?? 400;
}

/** Query protocol's <Type>: Receiver for server-side failures, Sender otherwise. */
export function faultType(err: ApiError): 'Sender' | 'Receiver' {
  return statusOf(err) >= 500 ? 'Receiver' : 'Sender';
}

/** Errors every operation may return, whatever its entry in the table says. */
export const COMMON_ERRORS = [
  'MissingParameter',
  'InvalidParameterValue',
  'InvalidParameterCombination',
  'InvalidAction',
  'MissingAction',
  'MalformedQueryString',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'MissingAuthenticationToken',
  'IncompleteSignature',
  'RequestEntityTooLarge',
  'InternalFailure',
  'InternalError',
] as const;

export const missingParameter = (name: string): ApiError =>
  new ApiError('MissingParameter', `The request must contain the parameter ${name}`);

export const invalidParameterValue = (message: string): ApiError => new ApiError('InvalidParameterValue', message);

export const invalidParameterCombination = (message: string): ApiError =>
  new ApiError('InvalidParameterCombination', message);
