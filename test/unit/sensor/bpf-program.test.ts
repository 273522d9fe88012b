/** The classic BPF interpreter on hand-assembled programs: the edges libpcap's bpf_filter.c defines. */
import { describe, expect, it } from 'vitest';
import { BpfProgram, BpfProgramError } from '../../../services/sensor/bpf-program.ts';

type Insn = [code: number, jt: number, jf: number, k: number];

function program(...insns: Insn[]): BpfProgram {
  const bytes = Buffer.alloc(insns.length * 8);
  insns.forEach(([code, jt, jf, k], i) => {
    bytes.writeUInt16LE(code, i * 8);
    bytes.writeUInt8(jt, i * 8 + 2);
    bytes.writeUInt8(jf, i * 8 + 3);
    bytes.writeUInt32LE(k >>> 0, i * 8 + 4);
  });
  return new BpfProgram(bytes);
}

// Opcodes (pcap/bpf.h).
const RET_K = 0x06;
const RET_A = 0x16;
const LD_W_ABS = 0x20;
const LD_H_ABS = 0x28;
const LD_B_ABS = 0x30;
const LD_W_LEN = 0x80;
const LD_B_IND = 0x50;
const LD_H_IND = 0x48;
const LDX_IMM = 0x01;
const LDX_B_MSH = 0xb1;
const LD_IMM = 0x00;
const ST = 0x02;
const LD_MEM = 0x60;
const ALU_DIV_X = 0x3c;
const ALU_MOD_X = 0x9c;
const ALU_LSH_X = 0x6c;
const ALU_SUB_K = 0x14;
const ALU_NEG = 0x84;
const ALU_MUL_K = 0x24;
const JEQ_K = 0x15;
const JSET_K = 0x45;
const JA = 0x05;
const TAX = 0x07;
const TXA = 0x87;

const frame = Buffer.from([0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99]);
/** The frame placed at an offset inside a larger buffer, as the reader hands frames over. */
const inBuffer = Buffer.concat([Buffer.from([0xff, 0xff, 0xff]), frame, Buffer.from([0xee, 0xee])]);

describe('BpfProgram', () => {
  it('loads words, halves and bytes big-endian from the frame, not from the bytes around it', () => {
    expect(program([LD_W_ABS, 0, 0, 2], [RET_A, 0, 0, 0]).run(inBuffer, 3, frame.length, frame.length)).toBe(0x22334455);
    expect(program([LD_H_ABS, 0, 0, 8], [RET_A, 0, 0, 0]).run(inBuffer, 3, frame.length, frame.length)).toBe(0x8899);
    expect(program([LD_B_ABS, 0, 0, 9], [RET_A, 0, 0, 0]).run(inBuffer, 3, frame.length, frame.length)).toBe(0x99);
    // The whole length on the wire, not the captured bytes.
    expect(program([LD_W_LEN, 0, 0, 0], [RET_A, 0, 0, 0]).run(inBuffer, 3, frame.length, 1514)).toBe(1514);
  });

  it('rejects a packet when a load reaches past its captured bytes, with a direct or an indexed offset', () => {
    const accept = (insn: Insn, x = 0) => program([LDX_IMM, 0, 0, x], insn, [RET_K, 0, 0, 1]).run(inBuffer, 3, frame.length, 100);
    expect(accept([LD_W_ABS, 0, 0, 6])).toBe(1);
    expect(accept([LD_W_ABS, 0, 0, 7])).toBe(0);
    expect(accept([LD_H_ABS, 0, 0, 9])).toBe(0);
    expect(accept([LD_B_ABS, 0, 0, 10])).toBe(0);
    expect(accept([LD_B_ABS, 0, 0, 0xffffffff])).toBe(0);
    expect(accept([LD_B_IND, 0, 0, 4], 5)).toBe(1);
    expect(accept([LD_B_IND, 0, 0, 4], 6)).toBe(0);
    expect(accept([LD_H_IND, 0, 0, 4], 4)).toBe(1);
    expect(accept([LD_H_IND, 0, 0, 4], 5)).toBe(0);
    // X + k would wrap around 2^32 in C: still past the end.
    expect(accept([LD_B_IND, 0, 0, 0xffffffff], 2)).toBe(0);
    expect(accept([LDX_B_MSH, 0, 0, 10])).toBe(0);
  });

  it('computes an IP header length with MSH, and reads behind it', () => {
    // Byte 1 is 0x11: X = (0x11 & 0xf) * 4 = 4; then the byte at X + 1 is 0x55.
    const p = program([LDX_B_MSH, 0, 0, 1], [LD_B_IND, 0, 0, 1], [RET_A, 0, 0, 0]);
    expect(p.run(inBuffer, 3, frame.length, frame.length)).toBe(0x55);
  });

  it('does unsigned 32-bit arithmetic, and rejects a division or remainder by a zero X', () => {
    expect(program([LD_IMM, 0, 0, 1], [ALU_SUB_K, 0, 0, 2], [RET_A, 0, 0, 0]).run(frame, 0, 10, 10)).toBe(0xffffffff);
    expect(program([LD_IMM, 0, 0, 5], [ALU_NEG, 0, 0, 0], [RET_A, 0, 0, 0]).run(frame, 0, 10, 10)).toBe(0xfffffffb);
    expect(program([LD_IMM, 0, 0, 0x10000], [ALU_MUL_K, 0, 0, 0x10001], [RET_A, 0, 0, 0]).run(frame, 0, 10, 10)).toBe(0x10000);
    expect(program([LD_IMM, 0, 0, 0xffffffff], [LDX_IMM, 0, 0, 7], [ALU_DIV_X, 0, 0, 0], [RET_A, 0, 0, 0]).run(frame, 0, 10, 10)).toBe(Math.floor(0xffffffff / 7));
    expect(program([LD_IMM, 0, 0, 9], [LDX_IMM, 0, 0, 0], [ALU_DIV_X, 0, 0, 0], [RET_K, 0, 0, 1]).run(frame, 0, 10, 10)).toBe(0);
    expect(program([LD_IMM, 0, 0, 9], [LDX_IMM, 0, 0, 0], [ALU_MOD_X, 0, 0, 0], [RET_K, 0, 0, 1]).run(frame, 0, 10, 10)).toBe(0);
    expect(program([LD_IMM, 0, 0, 3], [LDX_IMM, 0, 0, 31], [ALU_LSH_X, 0, 0, 0], [RET_A, 0, 0, 0]).run(frame, 0, 10, 10)).toBe(0x80000000);
    expect(program([LD_IMM, 0, 0, 3], [LDX_IMM, 0, 0, 32], [ALU_LSH_X, 0, 0, 0], [RET_A, 0, 0, 0]).run(frame, 0, 10, 10)).toBe(0);
  });

  it('branches, jumps, and moves values through scratch memory and the registers', () => {
    // A = byte 0 (0x00); if A == 0 go on, else return 0; store 7, TAX/TXA round trip, JSET.
    const p = program(
      [LD_B_ABS, 0, 0, 0],
      [JEQ_K, 0, 6, 0],
      [LD_IMM, 0, 0, 7],
      [ST, 0, 0, 15],
      [TAX, 0, 0, 0],
      [LD_MEM, 0, 0, 15],
      [TXA, 0, 0, 0],
      [JA, 0, 0, 1],
      [RET_K, 0, 0, 0],
      [JSET_K, 0, 1, 2],
      [RET_A, 0, 0, 0],
      [RET_K, 0, 0, 0],
    );
    expect(p.run(frame, 0, 10, 10)).toBe(7);
    expect(p.run(Buffer.from([1, 2, 3]), 0, 3, 3)).toBe(0);
  });

  it('refuses programs libpcap would not run, naming the instruction', () => {
    expect(() => new BpfProgram(Buffer.alloc(12))).toThrow(BpfProgramError);
    expect(() => program([0xff, 0, 0, 0], [RET_K, 0, 0, 1])).toThrow('instruction 0 (code 0xff): not a classic BPF instruction');
    expect(() => program([JEQ_K, 0, 1, 0], [RET_K, 0, 0, 1])).toThrow('instruction 0 (code 0x15): jumps past the end of the program');
    expect(() => program([ST, 0, 0, 16], [RET_K, 0, 0, 1])).toThrow('scratch memory word 16 out of range');
    expect(() => program([0x34, 0, 0, 0], [RET_K, 0, 0, 1])).toThrow('division by zero');
    expect(() => program([LD_IMM, 0, 0, 1])).toThrow('the program does not end with a return');
  });

  it('has a program that keeps nothing', () => {
    expect(BpfProgram.rejectAll().run(frame, 0, 10, 10)).toBe(0);
  });
});
