import { z } from 'zod';
const T = Object.freeze(['a', 'b']) as readonly ('a' | 'b')[];
const e = z.enum(T);
type X = z.output<typeof e>;
const x: X = 'a';
console.log(e.safeParse('c').success, x);
