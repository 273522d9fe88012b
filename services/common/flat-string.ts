/**
 * The same string, flattened: V8 represents a concatenation of 13 characters or more
 * ('192.168.1.' + '34', 'src:' + address) as a rope of its parts, and every hash and comparison
 * of it walks the rope. Strings that a hot path keeps in a cache and uses as Map keys again and
 * again (address text, state keys) are flattened once, when they are made. Converting a string
 * to a number makes V8 flatten it in place (the idiom of the flatstr package that pino uses).
 * About 3 % of `analyze` on the benchmark capture (docs/performance.md, session 14).
 */
export function flat(s: string): string {
  // Stored, so that the optimising compiler cannot drop the conversion as unused.
  conversion.result = Number(s);
  return s;
}

const conversion = { result: 0 };
