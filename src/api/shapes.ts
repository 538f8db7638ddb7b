// A small shape language for the AWS Query and EC2 protocols, in the spirit of
// botocore's service models: one description of each operation's input and output
// drives form decoding, validation and XML serialization, so a field's wire name is
// written down exactly once.
//
// Member keys are the names as they travel: for inputs the form names (`GroupId`,
// `IpPermissions`), for EC2 outputs the lowerCamel element names (`groupId`), for
// ElastiCache outputs the element names (`CacheClusterId`). Handlers read and write
// plain objects with those keys.

export type Shape = ScalarShape | ListShape | StructShape;

export interface ScalarShape {
  t: 'string' | 'int' | 'bool' | 'ts' | 'double';
  /** Allowed values (validated on input). */
  enum?: readonly string[];
  /** Maximum length of a string on input. */
  max?: number;
}

export interface ListShape {
  t: 'list';
  member: Shape;
  /**
   * The item element: ElastiCache names it per list (`CacheNode`, `member`...) and
   * uses it on input too (`SubnetIds.SubnetIdentifier.1`); EC2 always writes `item`
   * on output and flattens lists as `Name.N` on input.
   */
  item: string;
}

export interface StructShape {
  t: 'struct';
  members: Record<string, Shape>;
  required?: readonly string[];
}

export const str = (opts: { enum?: readonly string[]; max?: number } = {}): ScalarShape => ({ t: 'string', ...opts });
export const int = (): ScalarShape => ({ t: 'int' });
export const bool = (): ScalarShape => ({ t: 'bool' });
export const ts = (): ScalarShape => ({ t: 'ts' });
export const double = (): ScalarShape => ({ t: 'double' });
export const list = (member: Shape, item = 'item'): ListShape => ({ t: 'list', member, item });
export const struct = (members: Record<string, Shape>, required: readonly string[] = []): StructShape => ({
  t: 'struct',
  members,
  required,
});

/** The protocol family: how lists are encoded on input and how responses look. */
export type Protocol = 'ec2' | 'query';

/** One entry of the operations table. */
export interface Operation<I = any, O = any> {
  name: string;
  input: StructShape;
  /** Output members (EC2: directly under the response element; query: inside <XResult>). Null: no result. */
  output: StructShape | null;
  /** Error codes this operation is documented to return (besides the common ones). */
  errors: readonly string[];
  handler: (ctx: RequestContext, input: I) => O | Promise<O>;
}

/** Who is asking: resolved from the credentials before a handler runs. */
export interface RequestContext {
  account: string;
  region: string;
  requestId: string;
}
