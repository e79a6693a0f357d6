// Writes big float32 safetensors files with node itself (header JSON + raw bytes, 16 MiB at a
// time), for the Files tool's tests and benchmarks: nothing downloaded, nothing kept.
import { open } from 'node:fs/promises';

/** One tensor `name` of `rows` x `cols` float32 values (a smooth pattern with varying channels). */
export async function writeSafetensors(path, rows, cols, name = 'big') {
  const bytes = rows * cols * 4;
  const header = Buffer.from(JSON.stringify({ [name]: { dtype: 'F32', shape: [rows, cols], data_offsets: [0, bytes] } }));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  const chunk = new Float32Array(1 << 22);
  for (let i = 0; i < chunk.length; i++) chunk[i] = Math.sin(i * 0.001) * (1 + (i % 97) / 97);
  const file = await open(path, 'w');
  try {
    await file.write(length);
    await file.write(header);
    for (let written = 0; written < bytes; written += chunk.byteLength) {
      const left = Math.min(chunk.byteLength, bytes - written);
      await file.write(Buffer.from(chunk.buffer, 0, left));
    }
  } finally {
    await file.close();
  }
  return bytes + 8 + header.length;
}
