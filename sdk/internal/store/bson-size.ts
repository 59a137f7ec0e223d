import { BSON } from 'mongodb';

/** Bytes `value` takes as a BSON document field (the driver's own measure). */
export function bsonSize(value: unknown): number {
  return BSON.calculateObjectSize({ v: value }, {
    checkKeys: false,
    serializeFunctions: false,
  } as never);
}
