// QR codes (ISO/IEC 18004, model 2) drawn as SVG, so the short link can be scanned without asking any
// other server. Written for this site: byte mode, error correction level M (15 % of the symbol can be
// damaged), the smallest version 1-40 that fits, and the mask with the lowest penalty score.

const SVG_NS = "http://www.w3.org/2000/svg";

// Per version 1-40, level M: error correction codewords per block, and number of blocks (ISO 18004 table 9).
const ECC_PER_BLOCK = [0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26,
  28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28];
const BLOCKS = [0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25,
  26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49];
const LEVEL_M_BITS = 0b00;
const QUIET_ZONE = 4;

// GF(256) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1.
const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
for (let i = 0, x = 1; i < 255; i++) {
  EXP[i] = x;
  LOG[x] = i;
  x <<= 1;
  if (x & 0x100) x ^= 0x11d;
}
for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255];
const mul = (a, b) => (a && b ? EXP[LOG[a] + LOG[b]] : 0);

// Generator polynomial of degree n, highest coefficient (always 1) first: the product of (x - 2^i), i < n.
function generator(degree) {
  let poly = [1];
  for (let i = 0; i < degree; i++) {
    const next = new Array(poly.length + 1).fill(0);
    for (let j = 0; j < poly.length; j++) {
      next[j] ^= poly[j];
      next[j + 1] ^= mul(poly[j], EXP[i]);
    }
    poly = next;
  }
  return poly;
}

// The error correction codewords of one block: the remainder of data(x) * x^n divided by the generator.
function reedSolomon(data, degree) {
  const gen = generator(degree);
  const rem = new Array(degree).fill(0);
  for (const byte of data) {
    const factor = byte ^ rem.shift();
    rem.push(0);
    for (let i = 0; i < degree; i++) rem[i] ^= mul(gen[i + 1], factor);
  }
  return rem;
}

// Remainder of the BCH code used by the format (15, 5) and version (18, 6) information.
function bch(value, poly, polyDegree) {
  let rem = value << polyDegree;
  for (let bit = 31 - Math.clz32(rem); bit >= polyDegree; bit = 31 - Math.clz32(rem)) {
    rem ^= poly << (bit - polyDegree);
  }
  return (value << polyDegree) | rem;
}

function alignmentPositions(version, size) {
  if (version === 1) return [];
  const count = Math.floor(version / 7) + 2;
  const step = version === 32 ? 26 : Math.ceil((version * 4 + 4) / (count * 2 - 2)) * 2;
  const positions = [6];
  for (let pos = size - 7; positions.length < count; pos -= step) positions.splice(1, 0, pos);
  return positions;
}

class Grid {
  constructor(version) {
    this.version = version;
    this.size = version * 4 + 17;
    this.dark = new Uint8Array(this.size * this.size);
    this.reserved = new Uint8Array(this.size * this.size);
    this.drawFunctionPatterns();
  }

  set(x, y, dark) {
    const i = y * this.size + x;
    this.dark[i] = dark ? 1 : 0;
    this.reserved[i] = 1;
  }

  drawFunctionPatterns() {
    const { size, version } = this;
    for (let i = 0; i < size; i++) {
      this.set(6, i, i % 2 === 0);
      this.set(i, 6, i % 2 === 0);
    }
    for (const [cx, cy] of [[3, 3], [size - 4, 3], [3, size - 4]]) {
      for (let dy = -4; dy <= 4; dy++) {
        for (let dx = -4; dx <= 4; dx++) {
          const x = cx + dx;
          const y = cy + dy;
          if (x < 0 || y < 0 || x >= size || y >= size) continue;
          const ring = Math.max(Math.abs(dx), Math.abs(dy));
          this.set(x, y, ring !== 2 && ring !== 4);
        }
      }
    }
    const positions = alignmentPositions(version, size);
    const last = positions.length - 1;
    for (let i = 0; i <= last; i++) {
      for (let j = 0; j <= last; j++) {
        const onFinder = (i === 0 && j === 0) || (i === 0 && j === last) || (i === last && j === 0);
        if (onFinder) continue;
        for (let dy = -2; dy <= 2; dy++) {
          for (let dx = -2; dx <= 2; dx++) {
            this.set(positions[i] + dx, positions[j] + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
          }
        }
      }
    }
    this.drawFormat(0); // reserves the format areas; the real bits are drawn once the mask is chosen
    if (version >= 7) {
      const bits = bch(version, 0x1f25, 12);
      for (let i = 0; i < 18; i++) {
        const dark = (bits >>> i) & 1;
        const a = size - 11 + (i % 3);
        const b = Math.floor(i / 3);
        this.set(a, b, dark);
        this.set(b, a, dark);
      }
    }
  }

  drawFormat(mask) {
    const { size } = this;
    const bits = bch((LEVEL_M_BITS << 3) | mask, 0x537, 10) ^ 0x5412;
    const bit = (i) => (bits >>> i) & 1;
    for (let i = 0; i <= 5; i++) this.set(8, i, bit(i));
    this.set(8, 7, bit(6));
    this.set(8, 8, bit(7));
    this.set(7, 8, bit(8));
    for (let i = 9; i < 15; i++) this.set(14 - i, 8, bit(i));
    for (let i = 0; i < 8; i++) this.set(size - 1 - i, 8, bit(i));
    for (let i = 8; i < 15; i++) this.set(8, size - 15 + i, bit(i));
    this.set(8, size - 8, 1);
  }

  freeModules() {
    return this.reserved.reduce((n, r) => n + (r ? 0 : 1), 0);
  }

  // Codewords in the two-column zigzag from the bottom right corner, skipping the vertical timing column.
  drawCodewords(codewords) {
    const { size } = this;
    let bitIndex = 0;
    for (let right = size - 1; right >= 1; right -= 2) {
      if (right === 6) right = 5;
      const upward = ((right + 1) & 2) === 0;
      for (let step = 0; step < size; step++) {
        const y = upward ? size - 1 - step : step;
        for (let x = right; x >= right - 1; x--) {
          const i = y * size + x;
          if (this.reserved[i]) continue;
          const byte = codewords[bitIndex >>> 3] ?? 0;
          this.dark[i] = (byte >>> (7 - (bitIndex & 7))) & 1;
          bitIndex++;
        }
      }
    }
  }

  applyMask(mask) {
    const { size } = this;
    const flips = [
      (x, y) => (x + y) % 2 === 0,
      (x, y) => y % 2 === 0,
      (x) => x % 3 === 0,
      (x, y) => (x + y) % 3 === 0,
      (x, y) => (Math.floor(y / 2) + Math.floor(x / 3)) % 2 === 0,
      (x, y) => ((x * y) % 2) + ((x * y) % 3) === 0,
      (x, y) => (((x * y) % 2) + ((x * y) % 3)) % 2 === 0,
      (x, y) => (((x + y) % 2) + ((x * y) % 3)) % 2 === 0,
    ][mask];
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const i = y * size + x;
        if (!this.reserved[i] && flips(x, y)) this.dark[i] ^= 1;
      }
    }
  }

  // The standard's penalty: long runs, 2x2 blocks, finder-like patterns and an unbalanced dark ratio.
  penalty() {
    const { size, dark } = this;
    let score = 0;
    const finderLike = [1, 0, 1, 1, 1, 0, 1];
    const line = (get) => {
      let run = 1;
      for (let i = 1; i <= size; i++) {
        if (i < size && get(i) === get(i - 1)) {
          run++;
        } else {
          if (run >= 5) score += run - 2;
          run = 1;
        }
      }
      for (let i = 0; i + 7 <= size; i++) {
        if (!finderLike.every((v, k) => get(i + k) === v)) continue;
        const lightBefore = [1, 2, 3, 4].every((k) => i - k < 0 || get(i - k) === 0);
        const lightAfter = [0, 1, 2, 3].every((k) => i + 7 + k >= size || get(i + 7 + k) === 0);
        if (lightBefore || lightAfter) score += 40;
      }
    };
    for (let y = 0; y < size; y++) line((x) => dark[y * size + x]);
    for (let x = 0; x < size; x++) line((y) => dark[y * size + x]);
    for (let y = 0; y + 1 < size; y++) {
      for (let x = 0; x + 1 < size; x++) {
        const c = dark[y * size + x];
        if (c === dark[y * size + x + 1] && c === dark[(y + 1) * size + x] && c === dark[(y + 1) * size + x + 1]) {
          score += 3;
        }
      }
    }
    const darkCount = dark.reduce((n, d) => n + d, 0);
    score += Math.floor(Math.abs((darkCount * 100) / (size * size) - 50) / 5) * 10;
    return score;
  }
}

// Data bits for byte mode: mode, count, bytes, terminator, pad codewords.
function dataCodewords(bytes, version, capacity) {
  const bits = [];
  const push = (value, length) => {
    for (let i = length - 1; i >= 0; i--) bits.push((value >>> i) & 1);
  };
  push(0b0100, 4);
  push(bytes.length, version < 10 ? 8 : 16);
  for (const byte of bytes) push(byte, 8);
  push(0, Math.min(4, capacity * 8 - bits.length));
  push(0, (8 - (bits.length % 8)) % 8);
  const codewords = [];
  for (let i = 0; i < bits.length; i += 8) codewords.push(bits.slice(i, i + 8).reduce((a, b) => (a << 1) | b, 0));
  for (let pad = 0xec; codewords.length < capacity; pad ^= 0xec ^ 0x11) codewords.push(pad);
  return codewords;
}

// Splits the data into blocks, adds each block's error correction, and interleaves them.
function interleave(data, version, total) {
  const blockCount = BLOCKS[version];
  const eccLength = ECC_PER_BLOCK[version];
  const shortBlocks = blockCount - (total % blockCount);
  const shortData = Math.floor(total / blockCount) - eccLength;
  const blocks = [];
  for (let b = 0, offset = 0; b < blockCount; b++) {
    const length = shortData + (b < shortBlocks ? 0 : 1);
    const part = data.slice(offset, offset + length);
    offset += length;
    blocks.push({ data: part, ecc: reedSolomon(part, eccLength) });
  }
  const out = [];
  for (let i = 0; i <= shortData; i++) for (const block of blocks) if (i < block.data.length) out.push(block.data[i]);
  for (let i = 0; i < eccLength; i++) for (const block of blocks) out.push(block.ecc[i]);
  return out;
}

/** The QR code of `text` as `{ size, dark }`: `dark[y * size + x]` is 1 for a dark module. */
export function encode(text) {
  const bytes = new TextEncoder().encode(text);
  for (let version = 1; version <= 40; version++) {
    const grid = new Grid(version);
    const total = Math.floor(grid.freeModules() / 8);
    const capacity = total - BLOCKS[version] * ECC_PER_BLOCK[version];
    if (4 + (version < 10 ? 8 : 16) + bytes.length * 8 > capacity * 8) continue;
    grid.drawCodewords(interleave(dataCodewords(bytes, version, capacity), version, total));
    let best = null;
    for (let mask = 0; mask < 8; mask++) {
      grid.applyMask(mask);
      grid.drawFormat(mask);
      const score = grid.penalty();
      if (!best || score < best.score) best = { mask, score };
      grid.applyMask(mask); // XOR again: undone
    }
    grid.applyMask(best.mask);
    grid.drawFormat(best.mask);
    return { version, size: grid.size, dark: grid.dark };
  }
  throw new RangeError("too long for a QR code");
}

/** An `<svg>` element showing the QR code of `text`, dark modules as one path, with a quiet zone. */
export function qrSvg(text, title) {
  const { size, dark } = encode(text);
  const side = size + QUIET_ZONE * 2;
  let d = "";
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (!dark[y * size + x]) continue;
      let run = 1;
      while (x + run < size && dark[y * size + x + run]) run++;
      d += `M${x + QUIET_ZONE} ${y + QUIET_ZONE}h${run}v1h-${run}z`;
      x += run - 1;
    }
  }
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", `0 0 ${side} ${side}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("shape-rendering", "crispEdges");
  const label = document.createElementNS(SVG_NS, "title");
  label.textContent = title;
  const background = document.createElementNS(SVG_NS, "rect");
  background.setAttribute("width", String(side));
  background.setAttribute("height", String(side));
  background.setAttribute("fill", "#fff");
  const modules = document.createElementNS(SVG_NS, "path");
  modules.setAttribute("d", d);
  modules.setAttribute("fill", "#000");
  svg.append(label, background, modules);
  return svg;
}
