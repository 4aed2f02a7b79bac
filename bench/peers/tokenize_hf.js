#!/usr/bin/env node
// The Hugging Face side of bench/peers/tokenize_vs_peers.py: the `tokenizers` npm package (Rust core, napi binding),
// loaded once, timed in-process on command, as bench/TokenizerPeers does for .NET.
//
//   node tokenize_hf.js TOKENIZER CORPUS IDS_OUT
// TOKENIZER: a tokenizer.json, or gpt2:DIR (GPT-2's encoder.json + vocab.bpe in DIR, built here with the library's own
// BPE.fromFile + ByteLevel pre-tokenizer, add_prefix_space false, as GPT-2 encodes). CORPUS: UTF-8, one text per line.
// Loads (timed), encodes every line once as a warm-up, writes the ids (one line per text, space-separated), prints
// {"load_s", "lines", "tokens"}, then serves stdin commands, one JSON line each (seconds of one pass over all lines,
// ids only, addSpecialTokens false):
//   single: `await tokenizer.encode(line)` line by line (the Rust work runs on one libuv worker, one line at a time);
//   batch:  one `encodeBatch(lines)`; run with TOKENIZERS_PARALLELISM=false (and RAYON_NUM_THREADS=1) it is one thread.
// The ids are read out of the encodings after the timer stops and compared with the warm-up's ("same").
// NODE_PATH must reach the `tokenizers` package (tools/compat/huggingface.sh installs it).
'use strict';
const fs = require('fs');
const readline = require('readline');
const tk = require('tokenizers');

async function load(spec) {
  if (spec.startsWith('gpt2:')) {
    const dir = spec.slice(5);
    const model = await tk.BPE.fromFile(dir + '/encoder.json', dir + '/vocab.bpe');
    const tokenizer = new tk.Tokenizer(model);
    tokenizer.setPreTokenizer(tk.byteLevelPreTokenizer(false, true));
    return tokenizer;
  }
  return tk.Tokenizer.fromFile(spec);
}

async function main() {
  const [spec, corpus, idsOut] = process.argv.slice(2);
  const options = { addSpecialTokens: false };
  let start = process.hrtime.bigint();
  const tokenizer = await load(spec);
  const loadSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  const lines = fs.readFileSync(corpus, 'utf8').split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const reference = [];
  for (const line of lines) reference.push((await tokenizer.encode(line, null, options)).getIds());
  fs.writeFileSync(idsOut, reference.map((ids) => ids.join(' ') + '\n').join(''));
  const tokens = reference.reduce((n, ids) => n + ids.length, 0);
  process.stdout.write(JSON.stringify({ load_s: loadSeconds, lines: lines.length, tokens }) + '\n');

  const same = (encodings) => encodings.every((e, i) => {
    const ids = e.getIds();
    return ids.length === reference[i].length && ids.every((id, k) => id === reference[i][k]);
  });
  const rl = readline.createInterface({ input: process.stdin });
  for await (const raw of rl) {
    const command = raw.trim();
    if (command === 'quit') break;
    let encodings;
    start = process.hrtime.bigint();
    if (command === 'single') {
      encodings = [];
      for (const line of lines) encodings.push(await tokenizer.encode(line, null, options));
    } else if (command === 'batch') {
      encodings = await tokenizer.encodeBatch(lines, options);
    } else {
      process.stdout.write('{"error": "unknown command"}\n');
      continue;
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    process.stdout.write(JSON.stringify({ seconds, same: same(encodings) }) + '\n');
  }
  rl.close();
}

main().catch((e) => { console.error(e); process.exit(1); });
