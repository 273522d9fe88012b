/**
 * A classic BPF program, as libpcap compiles a filter expression (capture-filter.ts), run over a
 * frame's bytes exactly as libpcap's own interpreter runs it (pcap_offline_filter,
 * bpf_filter.c): so a capture file read with a filter keeps the packets `tcpdump -r F EXPR`
 * keeps. The instructions come as libpcap's struct bpf_insn, each 8 bytes (code u16, jt u8,
 * jf u8, k u32, little-endian here). Values are unsigned 32-bit, as in C; a load past the
 * captured bytes, or a division by zero, rejects the packet, as there.
 */

// Instruction classes, sizes, modes and operations (pcap/bpf.h).
const LD = 0x00;
const LDX = 0x01;
const ST = 0x02;
const STX = 0x03;
const ALU = 0x04;
const JMP = 0x05;
const RET = 0x06;
const MISC = 0x07;

const W = 0x00;
const H = 0x08;
const B = 0x10;

const IMM = 0x00;
const ABS = 0x20;
const IND = 0x40;
const MEM = 0x60;
const LEN = 0x80;
const MSH = 0xa0;

const ADD = 0x00;
const SUB = 0x10;
const MUL = 0x20;
const DIV = 0x30;
const OR = 0x40;
const AND = 0x50;
const LSH = 0x60;
const RSH = 0x70;
const NEG = 0x80;
const MOD = 0x90;
const XOR = 0xa0;

const JA = 0x00;
const JEQ = 0x10;
const JGT = 0x20;
const JGE = 0x30;
const JSET = 0x40;

/** Source of an ALU or jump operand (the constant k or the index register X), and of RET's value (A). */
const SRC_X = 0x08;
const RVAL_A = 0x10;
const TXA = 0x80;

/** Scratch memory words (BPF_MEMWORDS). */
const MEMWORDS = 16;

export class BpfProgramError extends Error {}

export class BpfProgram {
  private readonly code: Uint16Array;
  private readonly jt: Uint8Array;
  private readonly jf: Uint8Array;
  private readonly k: Uint32Array;
  private readonly mem = new Uint32Array(MEMWORDS);

  /** `instructions`: libpcap's bpf_insn array, 8 bytes each (code, jt, jf, k; little-endian). */
  constructor(instructions: Uint8Array) {
    if (instructions.length === 0 || instructions.length % 8 !== 0) throw new BpfProgramError(`a BPF program is whole 8-byte instructions, not ${instructions.length} bytes`);
    const n = instructions.length / 8;
    const view = new DataView(instructions.buffer, instructions.byteOffset, instructions.byteLength);
    this.code = new Uint16Array(n);
    this.jt = new Uint8Array(n);
    this.jf = new Uint8Array(n);
    this.k = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      this.code[i] = view.getUint16(i * 8, true);
      this.jt[i] = view.getUint8(i * 8 + 2);
      this.jf[i] = view.getUint8(i * 8 + 3);
      this.k[i] = view.getUint32(i * 8 + 4, true);
    }
    this.validate();
  }

  /** A program that keeps no packet (what libpcap compiles an expression that rejects all packets into). */
  static rejectAll(): BpfProgram {
    return new BpfProgram(new Uint8Array([RET, 0, 0, 0, 0, 0, 0, 0]));
  }

  get length(): number {
    return this.code.length;
  }

  /**
   * Runs the program over the frame buf[offset, offset + capLength) whose length on the wire was
   * wireLength: the number of bytes to keep, 0 to drop the packet (only zero or not matters here).
   */
  run(buf: Uint8Array, offset: number, capLength: number, wireLength: number): number {
    const code = this.code;
    const jt = this.jt;
    const jf = this.jf;
    const ks = this.k;
    const mem = this.mem;
    const len = capLength;
    let a = 0;
    let x = 0;
    for (let pc = 0; pc < code.length; pc++) {
      const k = ks[pc];
      switch (code[pc]) {
        case RET | 0x00: // BPF_K
          return k;
        case RET | RVAL_A:
          return a;
        case LD | W | ABS:
          if (k > len || 4 > len - k) return 0;
          a = load32(buf, offset + k);
          break;
        case LD | H | ABS:
          if (k > len || 2 > len - k) return 0;
          a = (buf[offset + k] << 8) | buf[offset + k + 1];
          break;
        case LD | B | ABS:
          if (k >= len) return 0;
          a = buf[offset + k];
          break;
        case LD | W | LEN:
          a = wireLength >>> 0;
          break;
        case LDX | W | LEN:
          x = wireLength >>> 0;
          break;
        case LD | W | IND: {
          if (k > len || x > len - k) return 0;
          const at = x + k;
          if (4 > len - at) return 0;
          a = load32(buf, offset + at);
          break;
        }
        case LD | H | IND: {
          if (k > len || x > len - k) return 0;
          const at = x + k;
          if (2 > len - at) return 0;
          a = (buf[offset + at] << 8) | buf[offset + at + 1];
          break;
        }
        case LD | B | IND:
          if (k >= len || x >= len - k) return 0;
          a = buf[offset + x + k];
          break;
        case LDX | B | MSH:
          if (k >= len) return 0;
          x = (buf[offset + k] & 0xf) << 2;
          break;
        case LD | IMM:
          a = k;
          break;
        case LDX | IMM:
          x = k;
          break;
        case LD | MEM:
          a = mem[k];
          break;
        case LDX | MEM:
          x = mem[k];
          break;
        case ST:
          mem[k] = a;
          break;
        case STX:
          mem[k] = x;
          break;
        case JMP | JA:
          pc += k;
          break;
        case JMP | JGT:
          pc += a > k ? jt[pc] : jf[pc];
          break;
        case JMP | JGE:
          pc += a >= k ? jt[pc] : jf[pc];
          break;
        case JMP | JEQ:
          pc += a === k ? jt[pc] : jf[pc];
          break;
        case JMP | JSET:
          pc += (a & k) !== 0 ? jt[pc] : jf[pc];
          break;
        case JMP | JGT | SRC_X:
          pc += a > x ? jt[pc] : jf[pc];
          break;
        case JMP | JGE | SRC_X:
          pc += a >= x ? jt[pc] : jf[pc];
          break;
        case JMP | JEQ | SRC_X:
          pc += a === x ? jt[pc] : jf[pc];
          break;
        case JMP | JSET | SRC_X:
          pc += (a & x) !== 0 ? jt[pc] : jf[pc];
          break;
        case ALU | ADD | SRC_X:
          a = (a + x) >>> 0;
          break;
        case ALU | SUB | SRC_X:
          a = (a - x) >>> 0;
          break;
        case ALU | MUL | SRC_X:
          a = Math.imul(a, x) >>> 0;
          break;
        case ALU | DIV | SRC_X:
          if (x === 0) return 0;
          a = Math.floor(a / x) >>> 0;
          break;
        case ALU | MOD | SRC_X:
          if (x === 0) return 0;
          a = a % x;
          break;
        case ALU | AND | SRC_X:
          a = (a & x) >>> 0;
          break;
        case ALU | OR | SRC_X:
          a = (a | x) >>> 0;
          break;
        case ALU | XOR | SRC_X:
          a = (a ^ x) >>> 0;
          break;
        case ALU | LSH | SRC_X:
          a = x < 32 ? (a << x) >>> 0 : 0;
          break;
        case ALU | RSH | SRC_X:
          a = x < 32 ? a >>> x : 0;
          break;
        case ALU | ADD:
          a = (a + k) >>> 0;
          break;
        case ALU | SUB:
          a = (a - k) >>> 0;
          break;
        case ALU | MUL:
          a = Math.imul(a, k) >>> 0;
          break;
        case ALU | DIV:
          a = Math.floor(a / k) >>> 0;
          break;
        case ALU | MOD:
          a = a % k;
          break;
        case ALU | AND:
          a = (a & k) >>> 0;
          break;
        case ALU | OR:
          a = (a | k) >>> 0;
          break;
        case ALU | XOR:
          a = (a ^ k) >>> 0;
          break;
        case ALU | LSH:
          a = k < 32 ? (a << k) >>> 0 : 0;
          break;
        case ALU | RSH:
          a = k < 32 ? a >>> k : 0;
          break;
        case ALU | NEG:
          a = -a >>> 0;
          break;
        case MISC | 0x00: // TAX
          x = a;
          break;
        case MISC | TXA:
          a = x;
          break;
        default:
          // validate() admitted only the codes above.
          return 0;
      }
    }
    return 0;
  }

  /**
   * What libpcap's bpf_validate checks: known codes, jumps that land inside the program (all
   * forward, so it ends), scratch memory in range, no division by a zero constant, a return at
   * the end.
   */
  private validate(): void {
    const n = this.code.length;
    for (let pc = 0; pc < n; pc++) {
      const c = this.code[pc];
      const k = this.k[pc];
      const cls = c & 0x07;
      const where = `instruction ${pc} (code 0x${c.toString(16)})`;
      if (!KNOWN_CODES.has(c)) throw new BpfProgramError(`${where}: not a classic BPF instruction`);
      if ((cls === ST || cls === STX || ((cls === LD || cls === LDX) && (c & 0xe0) === MEM)) && k >= MEMWORDS) throw new BpfProgramError(`${where}: scratch memory word ${k} out of range`);
      if (cls === ALU && (c & SRC_X) === 0 && ((c & 0xf0) === DIV || (c & 0xf0) === MOD) && k === 0) throw new BpfProgramError(`${where}: division by zero`);
      if (cls === JMP) {
        const targets = (c & 0xf0) === JA ? [k] : [this.jt[pc], this.jf[pc]];
        for (const offset of targets) if (pc + 1 + offset >= n) throw new BpfProgramError(`${where}: jumps past the end of the program`);
      }
    }
    if ((this.code[n - 1] & 0x07) !== RET) throw new BpfProgramError('the program does not end with a return');
  }
}

const KNOWN_CODES = new Set<number>([
  RET, RET | RVAL_A,
  LD | W | ABS, LD | H | ABS, LD | B | ABS, LD | W | LEN, LDX | W | LEN,
  LD | W | IND, LD | H | IND, LD | B | IND, LDX | B | MSH,
  LD | IMM, LDX | IMM, LD | MEM, LDX | MEM, ST, STX,
  JMP | JA, JMP | JGT, JMP | JGE, JMP | JEQ, JMP | JSET,
  JMP | JGT | SRC_X, JMP | JGE | SRC_X, JMP | JEQ | SRC_X, JMP | JSET | SRC_X,
  ...[ADD, SUB, MUL, DIV, MOD, AND, OR, XOR, LSH, RSH].flatMap((op) => [ALU | op, ALU | op | SRC_X]),
  ALU | NEG,
  MISC, MISC | TXA,
]);

/** The big-endian unsigned 32-bit word at buf[at]. */
const load32 = (buf: Uint8Array, at: number): number => ((buf[at] << 24) | (buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3]) >>> 0;
