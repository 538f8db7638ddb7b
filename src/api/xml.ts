// Response bodies: an operation's output object → XML in its service's own style,
// walked through the output shape so element names, list item names and member
// order are exactly the model's (the JS SDK v3 silently drops list items with the
// wrong element name, aws-api.md §1.3).
//
//   ElastiCache: <XResponse xmlns=...><XResult>...</XResult><ResponseMetadata><RequestId>
//   EC2:         <XResponse xmlns=...><requestId>...</requestId>... (lists use <item>)
//   errors:      <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>  (Query)
//                <Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/>  (EC2)

import { XMLBuilder } from 'fast-xml-parser';
import type { Protocol, Shape, StructShape } from './shapes.js';
import { ApiError, faultType } from './errors.js';

const builder = new XMLBuilder({ ignoreAttributes: false, suppressEmptyNode: true, format: false });

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

export interface ServiceStyle {
  protocol: Protocol;
  xmlns: string;
}

/** The whole success body. */
export function successBody(
  style: ServiceStyle,
  action: string,
  output: StructShape | null,
  value: Record<string, unknown> | undefined,
  requestId: string,
): string {
  const root: Record<string, unknown> = { '@_xmlns': style.xmlns };
  if (style.protocol === 'ec2') {
    root.requestId = requestId;
    if (output) Object.assign(root, structValue(output, value ?? {}));
    else root.return = 'true';
  } else {
    if (output) root[`${action}Result`] = structValue(output, value ?? {});
    root.ResponseMetadata = { RequestId: requestId };
  }
  return DECLARATION + builder.build({ [`${action}Response`]: root });
}

export function errorBody(protocol: Protocol, xmlns: string, err: ApiError, requestId: string): string {
  if (protocol === 'ec2') {
    return (
      DECLARATION +
      builder.build({
        Response: {
          Errors: { Error: { Code: err.code, Message: cleanText(err.message) } },
          RequestID: requestId,
        },
      })
    );
  }
  return (
    DECLARATION +
    builder.build({
      ErrorResponse: {
        '@_xmlns': xmlns,
        Error: { Type: faultType(err), Code: err.code, Message: cleanText(err.message) },
        RequestId: requestId,
      },
    })
  );
}

function structValue(shape: StructShape, value: Record<string, unknown>): Record<string, unknown> | '' {
  const out: Record<string, unknown> = {};
  let any = false;
  for (const [name, member] of Object.entries(shape.members)) {
    const v = value[name];
    if (v === undefined || v === null) continue;
    out[name] = shapeValue(member, v);
    any = true;
  }
  return any ? out : '';
}

function shapeValue(shape: Shape, v: unknown): unknown {
  switch (shape.t) {
    case 'struct':
      return structValue(shape, v as Record<string, unknown>);
    case 'list': {
      const items = v as unknown[];
      if (items.length === 0) return '';
      return { [shape.item]: items.map((x) => shapeValue(shape.member, x)) };
    }
    case 'bool':
      return v ? 'true' : 'false';
    case 'int':
    case 'double':
      return String(v);
    case 'ts':
      return v instanceof Date ? v.toISOString() : String(v);
    default:
      return cleanText(String(v));
  }
}

/** Removes characters XML 1.0 cannot carry at all (they would make the body unparseable). */
export function cleanText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');
}
