/**
 * A safe evaluator for scalingModifiers formulas: a small subset of expr-lang (the language KEDA
 * compiles them with), parsed into a tree and interpreted — never `eval` or `Function`.
 *
 * Supported: numbers, identifiers (trigger names), `+ - * / % ^ **`, unary `- + !`/`not`,
 * comparisons `== != < <= > >=`, `&& || and or`, `?:` ternary, `??`, parentheses, and the builtins
 * min, max, abs, ceil, floor, round, int, float.
 */

type Node =
  | { k: "num"; v: number }
  | { k: "bool"; v: boolean }
  | { k: "id"; name: string }
  | { k: "un"; op: string; a: Node }
  | { k: "bin"; op: string; a: Node; b: Node }
  | { k: "tern"; c: Node; a: Node; b: Node }
  | { k: "call"; fn: string; args: Node[] };

type Tok = { t: "num"; v: number } | { t: "id"; v: string } | { t: "op"; v: string } | { t: "end" };

const OPS = ["**", "==", "!=", "<=", ">=", "&&", "||", "??", "+", "-", "*", "/", "%", "^", "<", ">", "!", "?", ":", "(", ")", ","];

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const num = /^(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)/.exec(src.slice(i));
    if (num) {
      out.push({ t: "num", v: parseFloat(num[1]!.replace(/_/g, "")) });
      i += num[1]!.length;
      continue;
    }
    const id = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(src.slice(i));
    if (id) {
      out.push({ t: "id", v: id[0] });
      i += id[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new Error(`unexpected token ${JSON.stringify(c)} (1:${i + 1})`);
    out.push({ t: "op", v: op });
    i += op.length;
  }
  out.push({ t: "end" });
  return out;
}

const BIN_PREC: Record<string, number> = {
  "??": 1,
  "||": 2,
  or: 2,
  "&&": 3,
  and: 3,
  "==": 4,
  "!=": 4,
  "<": 5,
  "<=": 5,
  ">": 5,
  ">=": 5,
  "+": 6,
  "-": 6,
  "*": 7,
  "/": 7,
  "%": 7,
  "^": 9,
  "**": 9,
};
const RIGHT = new Set(["^", "**"]);
const FUNCS = new Set(["min", "max", "abs", "ceil", "floor", "round", "int", "float"]);

class Parser {
  private p = 0;
  constructor(private readonly toks: Tok[]) {}
  private peek(): Tok {
    return this.toks[this.p]!;
  }
  private next(): Tok {
    return this.toks[this.p++]!;
  }
  private expectOp(v: string): void {
    const t = this.next();
    if (t.t !== "op" || t.v !== v) throw new Error(`unexpected token ${describe(t)}, expected ${JSON.stringify(v)}`);
  }
  parse(): Node {
    const n = this.ternary();
    if (this.peek().t !== "end") throw new Error(`unexpected token ${describe(this.peek())}`);
    return n;
  }
  private ternary(): Node {
    const c = this.binary(0);
    const t = this.peek();
    if (t.t === "op" && t.v === "?") {
      this.next();
      const a = this.ternary();
      this.expectOp(":");
      const b = this.ternary();
      return { k: "tern", c, a, b };
    }
    return c;
  }
  private binOp(): string | undefined {
    const t = this.peek();
    if (t.t === "op" && BIN_PREC[t.v] !== undefined) return t.v;
    if (t.t === "id" && (t.v === "and" || t.v === "or")) return t.v;
    return undefined;
  }
  private binary(minPrec: number): Node {
    let left = this.unary();
    for (;;) {
      const op = this.binOp();
      if (op === undefined) return left;
      const prec = BIN_PREC[op]!;
      if (prec < minPrec) return left;
      this.next();
      const right = this.binary(RIGHT.has(op) ? prec : prec + 1);
      left = { k: "bin", op: op === "and" ? "&&" : op === "or" ? "||" : op, a: left, b: right };
    }
  }
  private unary(): Node {
    const t = this.peek();
    if ((t.t === "op" && (t.v === "-" || t.v === "+" || t.v === "!")) || (t.t === "id" && t.v === "not")) {
      this.next();
      const a = this.unary();
      return { k: "un", op: t.v === "not" ? "!" : t.v, a };
    }
    return this.primary();
  }
  private primary(): Node {
    const t = this.next();
    if (t.t === "num") return { k: "num", v: t.v };
    if (t.t === "op" && t.v === "(") {
      const n = this.ternary();
      this.expectOp(")");
      return n;
    }
    if (t.t === "id") {
      if (t.v === "true" || t.v === "false") return { k: "bool", v: t.v === "true" };
      const p = this.peek();
      if (p.t === "op" && p.v === "(") {
        if (!FUNCS.has(t.v)) throw new Error(`unknown func ${t.v}`);
        this.next();
        const args: Node[] = [];
        const q = this.peek();
        if (!(q.t === "op" && q.v === ")")) {
          for (;;) {
            args.push(this.ternary());
            const s = this.peek();
            if (s.t === "op" && s.v === ",") {
              this.next();
              continue;
            }
            break;
          }
        }
        this.expectOp(")");
        return { k: "call", fn: t.v, args };
      }
      return { k: "id", name: t.v };
    }
    throw new Error(`unexpected token ${describe(t)}`);
  }
}

function describe(t: Tok): string {
  return t.t === "end" ? "EOF" : `${JSON.stringify(String(t.v))}`;
}

export interface CompiledFormula {
  readonly source: string;
  /** Identifiers the formula reads. */
  readonly identifiers: string[];
  evaluate(env: Readonly<Record<string, number>>): number | boolean;
}

export function compileFormula(src: string): CompiledFormula {
  const tree = new Parser(tokenize(src)).parse();
  const ids = new Set<string>();
  const walk = (n: Node): void => {
    if (n.k === "id") ids.add(n.name);
    else if (n.k === "un") walk(n.a);
    else if (n.k === "bin") (walk(n.a), walk(n.b));
    else if (n.k === "tern") (walk(n.c), walk(n.a), walk(n.b));
    else if (n.k === "call") n.args.forEach(walk);
  };
  walk(tree);
  return { source: src, identifiers: [...ids], evaluate: (env) => evalNode(tree, env) };
}

function num(v: number | boolean | undefined, what: string): number {
  if (typeof v !== "number") throw new Error(`invalid operation: ${what} (mismatched types)`);
  return v;
}

function evalNode(n: Node, env: Readonly<Record<string, number>>): number | boolean {
  switch (n.k) {
    case "num":
      return n.v;
    case "bool":
      return n.v;
    case "id": {
      if (!Object.prototype.hasOwnProperty.call(env, n.name)) throw new Error(`unknown name ${n.name}`);
      return env[n.name]!;
    }
    case "un": {
      const a = evalNode(n.a, env);
      if (n.op === "!") return !a;
      return n.op === "-" ? -num(a, "-") : num(a, "+");
    }
    case "tern":
      return evalNode(n.c, env) ? evalNode(n.a, env) : evalNode(n.b, env);
    case "call": {
      const args = n.args.map((a) => num(evalNode(a, env), n.fn));
      switch (n.fn) {
        case "min":
          return Math.min(...args);
        case "max":
          return Math.max(...args);
        case "abs":
          return Math.abs(args[0]!);
        case "ceil":
          return Math.ceil(args[0]!);
        case "floor":
          return Math.floor(args[0]!);
        case "round":
          return Math.round(args[0]!);
        case "int":
          return Math.trunc(args[0]!);
        default:
          return args[0]!;
      }
    }
    case "bin": {
      if (n.op === "&&") return Boolean(evalNode(n.a, env)) && Boolean(evalNode(n.b, env));
      if (n.op === "||") return Boolean(evalNode(n.a, env)) || Boolean(evalNode(n.b, env));
      if (n.op === "??") {
        try {
          return evalNode(n.a, env);
        } catch {
          return evalNode(n.b, env);
        }
      }
      const a = evalNode(n.a, env);
      const b = evalNode(n.b, env);
      if (n.op === "==") return a === b;
      if (n.op === "!=") return a !== b;
      const x = num(a, n.op);
      const y = num(b, n.op);
      switch (n.op) {
        case "+":
          return x + y;
        case "-":
          return x - y;
        case "*":
          return x * y;
        case "/":
          return x / y;
        case "%":
          return x % y;
        case "^":
        case "**":
          return Math.pow(x, y);
        case "<":
          return x < y;
        case "<=":
          return x <= y;
        case ">":
          return x > y;
        default:
          return x >= y;
      }
    }
  }
}
