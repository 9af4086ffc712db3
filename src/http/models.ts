// What routes accept, checked once at the edge. An id, seq, rev, limit or cell is a whole number written
// in plain digits and in the range storage keeps it in, so nothing behind the routes has to guard
// against "1.5", "1e20", "0x10" or " 7".
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { t, ValidationError } from "elysia";
import { limits } from "../chat/validation.ts";

const { idMax, countMax } = limits;

/**
 * A whole number from `minimum` to `maximum` in a path, a query or a form field: plain digits only,
 * decoded to a number. (A number type here would let Elysia coerce "0x10" and " 7" before we see them.)
 */
export function wholeNumber(minimum: number, maximum: number) {
  const range = t.Integer({ minimum, maximum });
  const check = TypeCompiler.Compile(range);
  return t
    .Transform(t.String({ pattern: "^[0-9]{1,16}$", description: `a whole number from ${minimum} to ${maximum}` }))
    .Decode((value) => {
      const number = Number(value);
      // Thrown like Elysia's own numeric types, so the error handler answers API.md's 400.
      if (!check.Check(number)) throw new ValidationError("property", check, number);
      return number;
    })
    .Encode((value) => String(value));
}

/** The same in a JSON body, where numbers are numbers. */
export const wholeNumberInJson = (minimum: number, maximum: number) => t.Integer({ minimum, maximum });

export const id = () => wholeNumber(1, idMax);
export const seq = (minimum = 0) => wholeNumber(minimum, countMax);

/** `:id` in a path. */
export const idParams = t.Object({ id: id() });
/** `/t/:id/messages/:mid`. */
export const messageParams = t.Object({ id: id(), mid: id() });

/** A page of history: `after`, `before` (seqs) and `limit`. */
export const pageQuery = t.Object({
  after: t.Optional(seq(0)),
  before: t.Optional(seq(1)),
  limit: t.Optional(wholeNumber(1, countMax)),
});

/** What changed after a rev. */
export const changesQuery = t.Object({ rev: t.Optional(seq(0)), limit: t.Optional(wholeNumber(1, countMax)) });
