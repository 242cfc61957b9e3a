/**
 * The parts of TypeBox the protocol uses, from one module. TypeBox is 266
 * ES modules; loading them one by one cost every program 250-900 ms at
 * start on this project's machines, so `npm run build` bundles this module
 * with what it imports into one file (dist/common/protocol/typebox.js).
 */
export { FormatRegistry, Type, type Static, type TSchema } from '@sinclair/typebox';
export { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
export { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
export { Clean, Clone } from '@sinclair/typebox/value';
